namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// Limits keyframe requests (PLI, RFC 4585 §6.3.1, or FIR, RFC 5104 §4.3.1) sent to the publisher of one producer
/// stream (one simulcast layer's SSRC) to one per interval, without losing any: a request that comes too soon stays
/// pending and goes out once the interval has passed.
/// </summary>
/// <remarks>
/// <para>Every layer switch and every new subscriber asks for a keyframe; forwarded one for one they would make the
/// publisher send a keyframe after keyframe, each several times the size of a delta frame. One keyframe serves every
/// consumer waiting on the stream.</para>
/// <para>Polling, no callback: call <see cref="Request"/> when a consumer needs a keyframe and send a request if it
/// returns true; call <see cref="TryTake"/> on the leg's periodic timer and send one whenever it returns true (with a
/// 100 ms timer a pending request waits at most the interval plus 100 ms). Call <see cref="OnKeyframe"/> when a
/// keyframe arrives on the stream: it satisfies whatever is pending. The throttle does not care whether PLI or FIR
/// goes out; a FIR's sequence number (RFC 5104 §4.3.1.2) is the sender's. It does not retry a request whose keyframe
/// never comes; a consumer still waiting asks again.</para>
/// <para>Timestamps are values of <see cref="TimeProvider.GetTimestamp"/> of the provider given to the constructor.
/// Not thread-safe: driven from the router's thread.</para>
/// </remarks>
public sealed class KeyframeRequestThrottle
{
    /// <summary>Default least time between two requests.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(500);

    private readonly long _intervalTicks;
    private long _lastSent;
    private bool _hasSent;

    /// <summary>A throttle with <see cref="DefaultInterval"/>.</summary>
    public KeyframeRequestThrottle(TimeProvider timeProvider)
        : this(timeProvider, DefaultInterval)
    {
    }

    /// <summary>A throttle sending at most one request per <paramref name="interval"/>.</summary>
    public KeyframeRequestThrottle(TimeProvider timeProvider, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        _intervalTicks = TimestampTicks.From(interval, timeProvider);
    }

    /// <summary>Whether a request is waiting for the interval to pass.</summary>
    public bool IsPending { get; private set; }

    /// <summary>Asks for a keyframe. True: send a PLI/FIR now. False: one went out less than an interval ago and this one is pending.</summary>
    public bool Request(long timestamp)
    {
        IsPending = true;
        return TryTake(timestamp);
    }

    /// <summary>True (and no longer pending) if a request is pending and the interval since the last one sent has passed: send a PLI/FIR now.</summary>
    public bool TryTake(long timestamp)
    {
        if (!IsPending || (_hasSent && timestamp - _lastSent < _intervalTicks)) return false;
        IsPending = false;
        _lastSent = timestamp;
        _hasSent = true;
        return true;
    }

    /// <summary>A keyframe arrived on the stream: the consumers waiting for one have it, so nothing stays pending.</summary>
    public void OnKeyframe() => IsPending = false;
}
