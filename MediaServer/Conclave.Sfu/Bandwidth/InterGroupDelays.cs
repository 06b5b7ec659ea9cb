namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The pre-filtering of draft-ietf-rmcat-gcc-02 §5.2: packets sent within <see cref="BurstTime"/> of the first
/// packet of their group form one group (a frame, or a pacer burst), and each completed group yields the difference
/// of its send time and arrival time from the previous group's (§5.3: t(i) − t(i−1) and T(i) − T(i−1), both taken
/// at the group's last packet). As in libwebrtc, a packet that arrives less than <see cref="BurstTime"/> after the
/// group's last arrival yet took less time to arrive than to be sent after it (the receiver or a link released a
/// held-up burst) joins the group too, for up to <see cref="MaxBurstDuration"/>: a scheduling stall then reads as
/// one late group, not as a growing queue. Packets must be fed in send order, as transport-cc feedback lists them; a
/// packet sent before the current group started (reordered) is ignored.
/// </summary>
internal sealed class InterGroupDelays
{
    /// <summary>draft-ietf-rmcat-gcc-02 §5.2: burst_time, 5 ms.</summary>
    public const double BurstTime = 5.0;

    /// <summary>libwebrtc's bound on a group merged by arrival (kMaxBurstDuration), 100 ms.</summary>
    public const double MaxBurstDuration = 100.0;

    private Group _current;
    private Group _previous;

    /// <summary>Takes one received packet: sent at <paramref name="sentMs"/> by the sender's clock, arrived at
    /// <paramref name="arrivalMs"/> by the receiver's. True when it closed a group that has a predecessor, with the
    /// deltas between the two (milliseconds) and the closed group's arrival time.</summary>
    public bool TryAdd(double sentMs, double arrivalMs, out double sendDelta, out double arrivalDelta, out double groupArrivalMs)
    {
        sendDelta = arrivalDelta = groupArrivalMs = 0;
        if (!_current.Started)
        {
            _current = new Group(sentMs, sentMs, arrivalMs, arrivalMs, true);
            return false;
        }
        if (sentMs < _current.FirstSent) return false;                          // reordered
        if (sentMs - _current.FirstSent <= BurstTime || ArrivesInBurst(sentMs, arrivalMs))
        {
            _current = _current with { LastSent = Math.Max(_current.LastSent, sentMs), LastArrival = Math.Max(_current.LastArrival, arrivalMs) };
            return false;
        }
        bool closed = _previous.Started;
        if (closed)
        {
            sendDelta = _current.LastSent - _previous.LastSent;
            arrivalDelta = _current.LastArrival - _previous.LastArrival;
            groupArrivalMs = _current.LastArrival;
        }
        _previous = _current;
        _current = new Group(sentMs, sentMs, arrivalMs, arrivalMs, true);
        return closed;
    }

    private bool ArrivesInBurst(double sentMs, double arrivalMs)
    {
        double arrivalDelta = arrivalMs - _current.LastArrival;
        double propagationDelta = arrivalDelta - (sentMs - _current.LastSent);
        return arrivalDelta < BurstTime && propagationDelta < 0 && arrivalMs - _current.FirstArrival < MaxBurstDuration;
    }

    private readonly record struct Group(double FirstSent, double LastSent, double FirstArrival, double LastArrival, bool Started);
}
