namespace Conclave.Media.Transport.Ice;

/// <summary>Timing of an <see cref="IceControllingAgent"/>'s connectivity checks. With the defaults one check
/// transmission goes out at 0, 0.5, 1.5, 3.1, 4.7, 6.3 and 7.9 s, and an unanswered pair fails at 9.5 s.
/// Consent timing is not configurable: it is fixed by RFC 7675 §5.1.</summary>
public sealed class IceControllingAgentOptions
{
    /// <summary>RFC 8445 §14.2: Ta may not be below 5 ms.</summary>
    public static readonly TimeSpan MinCheckInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>RFC 8445 §14.2: Ta, the pacing between new checks. Default 50 ms.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>RFC 8445 §14.3: the floor of a check's first RTO, which is
    /// MAX(this, Ta × (Waiting + In-Progress pairs)). Default 500 ms.</summary>
    public TimeSpan InitialRetransmissionTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>RFC 8489 §6.2.1 doubles the RTO on every retransmission; here it stops doubling at this value
    /// (or at the first RTO, if that is larger), so an unanswered pair fails in seconds rather than the ~40 s of
    /// the plain STUN schedule. Default 1.6 s.</summary>
    public TimeSpan MaxRetransmissionTimeout { get; init; } = TimeSpan.FromMilliseconds(1600);

    /// <summary>RFC 8489 §6.2.1 Rc: transmissions of one check, the first included. After the last one the agent
    /// waits one more (doubled, capped) RTO before the check fails. Default 7.</summary>
    public int MaxTransmissions { get; init; } = 7;

    /// <summary>Checks the options; called by the <see cref="IceControllingAgent"/> constructor.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (CheckInterval < MinCheckInterval) throw new ArgumentException("CheckInterval (Ta) must be at least 5 ms (RFC 8445 §14.2).", nameof(CheckInterval));
        if (InitialRetransmissionTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("InitialRetransmissionTimeout must be positive.", nameof(InitialRetransmissionTimeout));
        }
        if (MaxRetransmissionTimeout < InitialRetransmissionTimeout)
        {
            throw new ArgumentException("MaxRetransmissionTimeout must not be below InitialRetransmissionTimeout.", nameof(MaxRetransmissionTimeout));
        }
        if (MaxTransmissions < 1) throw new ArgumentException("MaxTransmissions must be at least 1.", nameof(MaxTransmissions));
    }
}
