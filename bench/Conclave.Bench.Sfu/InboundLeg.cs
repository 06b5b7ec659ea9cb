using System.Diagnostics;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Metrics;

namespace Conclave.Bench.Sfu;

/// <summary>One stream a subscriber receives from the SFU (one <c>a=ssrc</c> of the answer): how many packets
/// arrived, of which publisher and encoding (from the <see cref="PayloadTag"/>), and how many are missing. The SFU
/// rewrites sequence numbers to be continuous on every leg, so a gap is a packet lost by the SFU or on loopback
/// (RFC 3550 Appendix A.1/A.3 counting). Written by the subscriber's receive thread only; read by the reporting
/// threads; nothing is allocated per packet.</summary>
internal sealed class InboundLeg
{
    // Passed by argument
    private readonly LatencyHistogram _endToEnd;                      // Borrowed: shared by every leg

    // Written by the receive thread
    private readonly long[] _byKind = new long[PayloadTag.KindCount];
    private readonly long[] _lostBeforeKind = new long[PayloadTag.KindCount];
    private long _lostAtSwitch;
    private long _lostBeforeKeyframe;
    private int _lastKind = -1;
    private bool _started;
    private ushort _baseSequence;
    private ushort _maxSequence;
    private long _cycles;
    private long _received;
    private long _outOfOrder;
    private long _misrouted;
    private long _untagged;
    private double _jitter;
    private long _lastTransit;
    private long _firstArrival;
    private long _lastSenderReport;
    private long _lastSenderReportArrival;

    // Written by the receiver-report thread only (RFC 3550 Appendix A.3 interval state)
    private long _expectedPrior;
    private long _receivedPrior;

    public InboundLeg(uint ssrc, int publisher, bool audio, LatencyHistogram endToEnd)
    {
        Ssrc = ssrc;
        Publisher = publisher;
        IsAudio = audio;
        ClockRate = audio ? MediaProfile.AudioClockRate : MediaProfile.VideoClockRate;
        _endToEnd = endToEnd;
    }

    public uint Ssrc { get; }

    /// <summary>The index of the publisher whose track this leg carries.</summary>
    public int Publisher { get; }

    public bool IsAudio { get; }

    public int ClockRate { get; }

    public long Received => Volatile.Read(ref _received);

    /// <summary>RFC 3550 A.3: extended highest sequence number − base + 1; 0 before the first packet.</summary>
    public long Expected => Volatile.Read(ref _started) ? Volatile.Read(ref _cycles) + Volatile.Read(ref _maxSequence) - _baseSequence + 1 : 0;

    /// <summary>Packets at or below the highest sequence number seen: late or duplicated (RFC 3550 A.3 counts them as
    /// received, so duplicates can make the loss negative).</summary>
    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Packets whose tag names another publisher or the other media kind: a routing error.</summary>
    public long Misrouted => Volatile.Read(ref _misrouted);

    /// <summary>Packets without the tool's tag.</summary>
    public long Untagged => Volatile.Read(ref _untagged);

    /// <summary>Packets received of one <see cref="PayloadTag"/> kind (audio, q, h, f).</summary>
    public long ReceivedOfKind(int kind) => Volatile.Read(ref _byKind[kind]);

    /// <summary>Packets missing just before a packet of one kind: where in the stream the SFU's gaps fall.</summary>
    public long LostBeforeKind(int kind) => Volatile.Read(ref _lostBeforeKind[kind]);

    /// <summary>Packets missing where the leg changed encoding (a layer switch).</summary>
    public long LostAtSwitch => Volatile.Read(ref _lostAtSwitch);

    /// <summary>Packets missing just before a packet of a keyframe.</summary>
    public long LostBeforeKeyframe => Volatile.Read(ref _lostBeforeKeyframe);

    /// <summary>Receive thread: one unprotected RTP packet of this leg.</summary>
    public void OnPacket(in RtpHeader header, long now)
    {
        long missing = Sequence(header.SequenceNumber);
        Volatile.Write(ref _received, _received + 1);
        if (PayloadTag.TryRead(header.Payload, out int publisher, out byte kind, out bool keyframe, out long sent))
        {
            if (publisher != Publisher || (kind == PayloadTag.Audio) != IsAudio) _misrouted++;
            _byKind[kind]++;
            if (missing > 0)
            {
                _lostBeforeKind[kind] += missing;
                if (_lastKind >= 0 && kind != _lastKind) _lostAtSwitch += missing;
                if (keyframe) _lostBeforeKeyframe += missing;
            }
            _lastKind = kind;
            _endToEnd.Record(sent, now);
        }
        else
        {
            _untagged++;
        }
        // RFC 3550 A.8: interarrival jitter in timestamp units (arrival counted from the first packet, so the product
        // stays far from overflowing).
        if (_received == 1) _firstArrival = now;
        long arrival = (now - _firstArrival) * ClockRate / Stopwatch.Frequency;
        long transit = arrival - header.Timestamp;
        if (_received > 1)
        {
            long d = Math.Abs(transit - _lastTransit);
            _jitter += (d - _jitter) / 16;
        }
        _lastTransit = transit;
    }

    /// <summary>Receive thread: a sender report about this leg (RFC 3550 §6.4.1), for LSR/DLSR.</summary>
    public void OnSenderReport(ulong ntpTimestamp, long now)
    {
        Volatile.Write(ref _lastSenderReport, (long)(uint)(ntpTimestamp >> 16));   // the middle 32 bits
        Volatile.Write(ref _lastSenderReportArrival, now);
    }

    /// <summary>Report thread: this leg's RFC 3550 §6.4.1 report block, and the interval state advanced.</summary>
    public ReportBlock BuildReportBlock(long now)
    {
        long expected = Expected, received = Received;
        long expectedInterval = expected - _expectedPrior, receivedInterval = received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        long lastSr = Volatile.Read(ref _lastSenderReport), srArrival = Volatile.Read(ref _lastSenderReportArrival);
        return new ReportBlock
        {
            Ssrc = Ssrc,
            FractionLost = expectedInterval <= 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval),
            CumulativeLost = (int)Math.Clamp(expected - received, ReportBlock.MinCumulativeLost, ReportBlock.MaxCumulativeLost),
            ExtendedHighestSequenceNumber = (uint)(Volatile.Read(ref _cycles) + Volatile.Read(ref _maxSequence)),
            Jitter = (uint)Volatile.Read(ref _jitter),
            LastSenderReport = (uint)lastSr,
            DelaySinceLastSenderReport = lastSr == 0 ? 0 : (uint)((now - srArrival) * 65536 / Stopwatch.Frequency),
        };
    }

    // RFC 3550 A.1, without probation (the SFU's legs start clean); returns how many packets are missing before this one.
    private long Sequence(ushort sequence)
    {
        if (!_started)
        {
            _baseSequence = sequence;
            Volatile.Write(ref _maxSequence, sequence);
            Volatile.Write(ref _started, true);
            return 0;
        }
        int delta = (short)(sequence - _maxSequence);
        if (delta <= 0)
        {
            _outOfOrder++;
            return 0;
        }
        if (sequence < _maxSequence) Volatile.Write(ref _cycles, _cycles + 65536);                  // wrapped
        Volatile.Write(ref _maxSequence, sequence);
        return delta - 1;
    }
}
