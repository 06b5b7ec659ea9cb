using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Conclave.Grains;

/// <summary>Registration of <see cref="FileGrainStorage"/>.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>
    /// Registers a <see cref="FileGrainStorage"/> named <paramref name="name"/> (use <see cref="StorageNames.State"/>
    /// for Conclave's grains) that keeps grain state in files under <see cref="FileGrainStorageOptions.RootDirectory"/>.
    /// </summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddFileGrainStorage(name, configure);
        return builder;
    }

    /// <summary>The <see cref="IServiceCollection"/> form of <see cref="AddFileGrainStorage(ISiloBuilder, string, Action{FileGrainStorageOptions})"/>.</summary>
    public static IServiceCollection AddFileGrainStorage(this IServiceCollection services, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<FileGrainStorageOptions>(name).Configure(configure);
        services.AddTransient<IPostConfigureOptions<FileGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<FileGrainStorageOptions>>();
        services.AddTransient<IConfigurationValidator>(sp => new FileGrainStorageOptionsValidator(
            sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name), name));
        return services.AddGrainStorage(name, static (sp, storageName) => FileGrainStorage.Create(sp, storageName));
    }
}
