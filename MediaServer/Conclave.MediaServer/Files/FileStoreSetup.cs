using Conclave.FileStore;
using Conclave.MediaServer.Hosting;

namespace Conclave.MediaServer.Files;

/// <summary>Registers the file store <c>Conclave:Files:Store</c> names (unless an <see cref="IBlobStore"/> is registered
/// already, as tests do to watch or hold its calls), and the upload services over it.</summary>
public static class FileStoreSetup
{
    public static IServiceCollection AddConclaveFiles(this IServiceCollection services, ConclaveOptions options)
    {
        if (!services.Any(s => s.ServiceType == typeof(IBlobStore))) AddStore(services, options);
        services.AddSingleton<FileLocks>();
        services.AddSingleton<Uploads>();
        services.AddSingleton<UploadReceiver>();
        services.AddSingleton<FileExpirySweeper>();
        services.AddHostedService(provider => provider.GetRequiredService<FileExpirySweeper>());
        return services;
    }

    private static void AddStore(IServiceCollection services, ConclaveOptions options)
    {
        FilesOptions files = options.Files;
        switch (files.Store)
        {
            case FileStoreMode.Local:
                string directory = files.Directory is { Length: > 0 } d ? d : Path.Combine(options.DataDirectory, "files");
                services.AddSingleton<IBlobStore>(new LocalDirectoryBlobStore(directory));
                break;
            case FileStoreMode.AzureBlob:
                string connection = files.ConnectionString ?? options.Storage.ConnectionString
                    ?? throw new InvalidOperationException("Conclave:Files:ConnectionString (or Conclave:Storage:ConnectionString) is required for the AzureBlob file store");
                AzureBlobStore azure = AzureBlobStore.Create(connection, files.Container);
                services.AddSingleton<IBlobStore>(azure);
                services.AddHostedService(_ => new BlobContainerCreation(azure));
                break;
        }
    }

    /// <summary>Creates the blob container at startup if it does not exist.</summary>
    private sealed class BlobContainerCreation(AzureBlobStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.EnsureContainerAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
