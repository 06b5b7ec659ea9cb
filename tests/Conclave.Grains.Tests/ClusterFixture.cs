using Orleans.TestingHost;

namespace Conclave.Grains.Tests;

/// <summary>
/// One in-process cluster of two silos shared by the grain tests. Both silos keep <see cref="StorageNames.State"/>
/// in one <see cref="FileGrainStorage"/> directory, and sessions use a short timeout so expiry tests are quick.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Heartbeat interval the silos announce; the tests' heartbeat pump uses it.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Session timeout: short, but many heartbeats long so a busy CI machine does not expire live sessions.</summary>
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(5);

    private InProcessTestCluster? _cluster;

    /// <summary>Where grain state files live.</summary>
    public string StateDirectory { get; } = Path.Combine(Path.GetTempPath(), "conclave-grain-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The deployed cluster.</summary>
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    /// <summary>The cluster client every assertion goes through.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        string directory = StateDirectory;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddFileGrainStorage(StorageNames.State, o => o.RootDirectory = directory);
            silo.ConfigureSessionOptions(o =>
            {
                o.HeartbeatInterval = HeartbeatInterval;
                o.Timeout = SessionTimeout;
            });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
