namespace Conclave.Client;

/// <summary>Settings of a <see cref="SignalingClient"/>.</summary>
public sealed class SignalingClientOptions : ConclaveClientOptions
{
    /// <summary>
    /// Send <c>ping</c> every <see cref="Conclave.Signaling.Protocol.WelcomeMessage.HeartbeatIntervalMs"/> after the
    /// welcome. Default true. Tests turn it off to leave a session without heartbeats (a ghost) and watch it expire.
    /// </summary>
    public bool EnableHeartbeat { get; init; } = true;

    /// <summary>How long <see cref="SignalingClient.CloseAsync"/> and disposal wait for the server's close frame before aborting. Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
