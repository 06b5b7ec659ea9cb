namespace Conclave.Grains;

/// <summary>
/// Liveness contract of sessions, read by <see cref="SessionGrain"/> and <see cref="CallGrain"/> through
/// <c>IOptions&lt;SessionOptions&gt;</c>. A session that sends no heartbeat for <see cref="Timeout"/> expires,
/// and a call evicts a participant whose session no longer vouches for it within another <see cref="Timeout"/>,
/// so a ghost leaves a roster within about 2 × <see cref="Timeout"/> even if its silo crashed.
/// </summary>
public sealed class SessionOptions
{
    /// <summary>How often a connection should send a heartbeat. Default 5 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a session lives without a heartbeat, and the call's ghost-check period. Default 20 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>True when both durations are positive and <see cref="Timeout"/> exceeds <see cref="HeartbeatInterval"/>.</summary>
    public bool IsValid() =>
        HeartbeatInterval > TimeSpan.Zero && Timeout > HeartbeatInterval && Timeout <= TimeSpan.FromHours(1);
}
