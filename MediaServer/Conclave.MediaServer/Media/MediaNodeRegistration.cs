using Conclave.Grains;

namespace Conclave.MediaServer.Media;

/// <summary>Keeps this node's <see cref="MediaNodeEndpoint"/> registered under its node id
/// (<c>Conclave:Media:NodeId</c>) in <see cref="IMediaNodeGrain"/>, so the other nodes can send it the media
/// requests of calls it hosts. Registers at start and again every <see cref="Period"/>: the registry is in memory
/// and comes back within a period when the silo that held it is lost.</summary>
public sealed partial class MediaNodeRegistration(
    IGrainFactory grains, MediaNodeEndpoint endpoint, string nodeId, ILogger<MediaNodeRegistration> logger) : BackgroundService
{
    /// <summary>Time between two registrations.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    /// <summary>Time before retrying a registration that failed (the cluster is starting or a silo is down).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IMediaNode reference = grains.CreateObjectReference<IMediaNode>(endpoint);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan next = Period;
                try
                {
                    await grains.GetGrain<IMediaNodeGrain>(nodeId).RegisterAsync(reference).WaitAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRegistrationFailed(nodeId, e.Message);
                    next = RetryDelay;
                }
                await Task.Delay(next, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            grains.DeleteObjectReference<IMediaNode>(reference);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media node {NodeId} could not register with the cluster ({Reason}); retrying")]
    private partial void LogRegistrationFailed(string nodeId, string reason);
}
