namespace Conclave.Grains.Tests;

/// <summary>Plays a live connection: heartbeats the given sessions every <see cref="ClusterFixture.HeartbeatInterval"/> until disposed.</summary>
public sealed class HeartbeatPump : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(); // Owned
    private readonly Task _loop;

    /// <summary>Starts heartbeating <paramref name="sessions"/>.</summary>
    public HeartbeatPump(params ISessionGrain[] sessions) => _loop = RunAsync(sessions, _stop.Token);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private static async Task RunAsync(ISessionGrain[] sessions, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(ClusterFixture.HeartbeatInterval);
        try
        {
            do
            {
                foreach (var session in sessions)
                {
                    try
                    {
                        await session.HeartbeatAsync();
                    }
                    catch (Exception)
                    {
                        // A missed beat is what the timeout tolerates; keep going.
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
