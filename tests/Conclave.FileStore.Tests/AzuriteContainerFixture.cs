using Azure.Storage.Blobs;

namespace Conclave.FileStore.Tests;

/// <summary>
/// A random container for one test class in Azurite or a real account given in <c>CONCLAVE_TEST_AZURE_STORAGE</c>
/// (default <c>UseDevelopmentStorage=true</c>), deleted afterwards. A missing emulator fails every test of the class:
/// it is part of the suite, not optional.
/// </summary>
public sealed class AzuriteContainerFixture : IAsyncLifetime
{
    public const string ConnectionVariable = "CONCLAVE_TEST_AZURE_STORAGE";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } value ? value : "UseDevelopmentStorage=true";

    public string ContainerName { get; } = "conclave-test-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The container's client: one retry and a short timeout, so a missing emulator fails fast.</summary>
    public BlobContainerClient Container { get; }

    public AzureBlobStore Store { get; }

    public AzuriteContainerFixture()
    {
        Container = new BlobContainerClient(ConnectionString, ContainerName, NewOptions());
        Store = new AzureBlobStore(Container);
    }

    public static BlobClientOptions NewOptions() => new()
    {
        Retry = { MaxRetries = 1, NetworkTimeout = TimeSpan.FromSeconds(30) },
    };

    private bool _created;

    public async ValueTask InitializeAsync()
    {
        try
        {
            await Store.EnsureContainerAsync(CancellationToken.None);
            _created = true;
        }
        catch (Exception ex)
        {
            Assert.Fail(
                $"Azure Blob Storage is not reachable ({ConnectionVariable} or UseDevelopmentStorage=true): {ex.GetType().Name}: {ex.Message} "
                + "Run the tests with the README test command (scripts/test.sh), which starts Azurite, or start Azurite yourself "
                + "(azurite-blob --blobHost 127.0.0.1 --blobPort 10000 --skipApiVersionCheck).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_created) await Container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
    }
}
