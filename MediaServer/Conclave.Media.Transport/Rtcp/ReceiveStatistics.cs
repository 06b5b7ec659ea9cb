namespace Conclave.Media.Transport.Rtcp;

/// <summary>What a receiver reports to a sender about one of its streams (RFC 3550 §6.4.1 report block): the extended
/// highest sequence number (App. A.1), cumulative and interval loss (App. A.3), interarrival jitter (App. A.8), and
/// LSR/DLSR so the publisher can measure the round trip. Fed on the receive thread, read by the report timer; a lock
/// keeps the two apart (uncontended on the packet path, nothing allocated).</summary>
public sealed class ReceiveStatistics
{
    private const int MaxDropout = 3000;                              // App. A.1
    private const int MaxMisorder = 100;

    private readonly Lock _lock = new();
    private readonly int _clockRate;
    private readonly TimeProvider _time;
    private bool _initialized;
    private ushort _maxSequence;
    private uint _cycles;
    private uint _baseSequence;
    private long _received;
    private long _expectedPrior;
    private long _receivedPrior;
    private double _jitter;
    private long _lastTransit;
    private bool _hasTransit;
    private uint _lastSenderReport;
    private long _lastSenderReportArrival;

    /// <summary>Statistics of a stream of <paramref name="clockRate"/> Hz, timed by <paramref name="time"/>.</summary>
    public ReceiveStatistics(int clockRate, TimeProvider time)
    {
        _clockRate = clockRate;
        _time = time;
    }

    /// <summary>One received packet (App. A.1 sequence tracking, App. A.8 jitter).</summary>
    public void OnPacket(ushort sequence, uint rtpTimestamp, long arrival)
    {
        lock (_lock)
        {
            if (!_initialized)
            {
                _initialized = true;
                _baseSequence = sequence;
                _maxSequence = sequence;
            }
            ushort delta = (ushort)(sequence - _maxSequence);
            if (delta < MaxDropout)
            {
                if (sequence < _maxSequence) _cycles += 1u << 16;          // wrapped
                _maxSequence = sequence;
            }
            else if (delta <= ushort.MaxValue - MaxMisorder)
            {
                // A large jump: the sender restarted; start over from here (App. A.1, simplified: no probation).
                _baseSequence = sequence;
                _maxSequence = sequence;
                _cycles = 0;
                _received = 0;
                _expectedPrior = 0;
                _receivedPrior = 0;
            }
            _received++;

            long arrivalUnits = (long)(_time.GetElapsedTime(0, arrival).TotalSeconds * _clockRate);
            long transit = arrivalUnits - rtpTimestamp;
            if (_hasTransit)
            {
                long d = Math.Abs(transit - _lastTransit);
                if (d < _clockRate * 10L) _jitter += (d - _jitter) / 16.0;     // J += (|D| - J) / 16
            }
            _lastTransit = transit;
            _hasTransit = true;
        }
    }

    /// <summary>The publisher's SR arrived: remember its NTP time for LSR (§6.4.1).</summary>
    public void OnSenderReport(ulong ntpTimestamp, long arrival)
    {
        lock (_lock)
        {
            _lastSenderReport = NtpTime.Middle(ntpTimestamp);
            _lastSenderReportArrival = arrival;
        }
    }

    /// <summary>The report block for <paramref name="ssrc"/>, and starts the next loss interval (App. A.3).</summary>
    public bool TryBuildReport(uint ssrc, long now, out ReportBlock block)
    {
        lock (_lock)
        {
            block = default;
            if (!_initialized) return false;
            long extendedMax = _cycles + _maxSequence;
            long expected = extendedMax - _baseSequence + 1;
            long lost = expected - _received;
            long expectedInterval = expected - _expectedPrior;
            long lostInterval = expectedInterval - (_received - _receivedPrior);
            _expectedPrior = expected;
            _receivedPrior = _received;
            block = new ReportBlock
            {
                Ssrc = ssrc,
                FractionLost = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval),
                CumulativeLost = (int)Math.Clamp(lost, ReportBlock.MinCumulativeLost, ReportBlock.MaxCumulativeLost),
                ExtendedHighestSequenceNumber = (uint)extendedMax,
                Jitter = (uint)_jitter,
                LastSenderReport = _lastSenderReport,
                DelaySinceLastSenderReport = _lastSenderReport == 0 ? 0 : NtpTime.ToShortUnits(_time.GetElapsedTime(_lastSenderReportArrival, now)),
            };
            return true;
        }
    }
}
