using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Conclave.Grains;

namespace Conclave.MediaServer.Hosting;

/// <summary>The co-hosted silo: clustering and grain storage per <c>Conclave:Cluster</c> and <c>Conclave:Storage</c>.</summary>
public static class OrleansSetup
{
    /// <summary>Configures <paramref name="silo"/>.</summary>
    public static void Configure(ISiloBuilder silo, ConclaveOptions options)
    {
        ClusterOptions cluster = options.Cluster;
        switch (cluster.Mode)
        {
            case ClusterMode.Localhost:
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
                break;
            case ClusterMode.AzureTable:
                string connection = Require(cluster.ConnectionString ?? options.Storage.ConnectionString, "Conclave:Cluster:ConnectionString");
                silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
                silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
                ConfigureEndpoints(silo, cluster);
                break;
        }

        switch (options.Storage.Mode)
        {
            case StorageMode.File:
                silo.AddFileGrainStorage(StorageNames.State, o => o.RootDirectory = DataDirectory.Ensure(Path.Combine(options.DataDirectory, "grains")));
                break;
            case StorageMode.Memory:
                silo.AddMemoryGrainStorage(StorageNames.State);
                break;
            case StorageMode.AzureTable:
                string tables = Require(options.Storage.ConnectionString, "Conclave:Storage:ConnectionString");
                silo.AddAzureTableGrainStorage(StorageNames.State, o => o.TableServiceClient = new TableServiceClient(tables));
                break;
            case StorageMode.AzureBlob:
                string blobs = Require(options.Storage.ConnectionString, "Conclave:Storage:ConnectionString");
                silo.AddAzureBlobGrainStorage(StorageNames.State, o =>
                {
                    o.BlobServiceClient = new BlobServiceClient(blobs);
                    o.ContainerName = BlobContainerName(cluster.ServiceId);
                });
                break;
        }
    }

    private static void ConfigureEndpoints(ISiloBuilder silo, ClusterOptions cluster)
    {
        if (string.IsNullOrEmpty(cluster.AdvertisedHost))
            silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        else if (IPAddress.TryParse(cluster.AdvertisedHost, out IPAddress? address))
            silo.ConfigureEndpoints(address, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        else
            silo.ConfigureEndpoints(cluster.AdvertisedHost, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
    }

    /// <summary>
    /// Blob names hold only grain type and id, so each service gets its own container (Azure rules:
    /// 3-63 characters of a-z, 0-9 and single hyphens): two deployments sharing an account never mix state.
    /// </summary>
    private static string BlobContainerName(string serviceId)
    {
        var name = new System.Text.StringBuilder("conclave-");
        foreach (char c in serviceId.ToLowerInvariant())
        {
            char next = char.IsAsciiLetterOrDigit(c) ? c : '-';
            if (next == '-' && name[^1] == '-') continue;
            name.Append(next);
        }
        string text = name.ToString();
        return text[..Math.Min(text.Length, 63)].TrimEnd('-');
    }

    private static string Require(string? value, string key) =>
        string.IsNullOrWhiteSpace(value) ? throw new InvalidOperationException($"{key} must be set for this mode (docs/configuration.md)") : value;
}
