namespace Conclave.Grains;

/// <summary>
/// Liveness contract of sessions, read by <see cref="SessionGrain"/> and <see cref="CallGrain"/> through
/// <c>IOptions&lt;SessionOptions&gt;</c>. A session that sends no heartbeat for <see cref="Timeout"/> expires within
/// another <see cref="Timeout"/>/4 and leaves its call; a call also asks its participants' sessions every
/// <see cref="Timeout"/>/2 and evicts those that no longer vouch for themselves (a session lost with a crashed silo).
/// </summary>
public sealed class SessionOptions
{
    /// <summary>How often a connection should send a heartbeat. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a session lives without a heartbeat; also sets the expiry and ghost-check periods. Default 20 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>True when both durations are positive and <see cref="Timeout"/> exceeds <see cref="HeartbeatInterval"/>.</summary>
    public bool IsValid() =>
        HeartbeatInterval > TimeSpan.Zero && Timeout > HeartbeatInterval && Timeout <= TimeSpan.FromHours(1);
}
