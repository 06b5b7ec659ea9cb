using System.Diagnostics;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Bench.Sfu;

/// <summary>
/// The receive side of transport-wide congestion control for one simulated subscriber, as libwebrtc's
/// (<c>RemoteEstimatorProxy</c>, now <c>TransportSequenceNumberFeedbackGenerator</c>) does it: the arrival time of every
/// packet carrying a transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2) is kept,
/// and about every <see cref="Interval"/> (sooner once <see cref="MaxPacketsPerFeedback"/> are pending) the range from
/// the first unreported sequence number to the highest received goes back as transport-cc feedback (§3.1).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Each feedback packet: base sequence number = the first unreported one (received or not); reference time =
/// the first received packet's arrival in 64 ms units; then one status per sequence number, gaps as not received, and
/// for each received packet its delta in 250 µs ticks from the previous received one (the first from the reference
/// time), accumulated on the quantised times so rounding does not drift (as libwebrtc's <c>TransportFeedback</c>).
/// The feedback packet count increments with every packet.</item>
/// <item>A range longer than <see cref="MaxPacketsPerFeedback"/>, or a delta beyond ±8.19 s, is split into several
/// packets; each fits one datagram with the SRTCP overhead.</item>
/// <item>A late packet (below the unreported range, still in the history) restarts the range from itself, so it and
/// what followed are reported again, as libwebrtc does; duplicates are ignored; packets older than the history
/// (<see cref="HistoryLength"/> sequence numbers) are dropped.</item>
/// <item>Feedback goes out only when a packet arrives (the receive thread has no timer): with media flowing, the
/// delay is at most one packet's spacing.</item>
/// </list>
/// <para>Runs on the subscriber's receive thread only; nothing is allocated after construction. The counters are read
/// by the reporting threads.</para>
/// </remarks>
internal sealed class TransportCcFeedback
{
    /// <summary>libwebrtc's default feedback interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Statuses per feedback packet: at most 20 + 74 × 2 (chunks) + 512 × 2 (deltas) + 3 (padding) = 1,195
    /// bytes, which leaves room for the SRTCP index and tag in a 1,500-byte buffer.</summary>
    public const int MaxPacketsPerFeedback = 512;

    /// <summary>Sequence numbers of history (a power of two): far more than are ever pending.</summary>
    public const int HistoryLength = 1 << 12;

    private const int BufferLength = 1_500;
    private const long MicrosecondsPerReferenceTick = 64_000;            // §3.1: reference time in multiples of 64 ms
    private const int ReferenceTimeMask = 0xFF_FFFF;                      // 24 bits

    // Allocated by this
    private readonly long[] _sequences = new long[HistoryLength];         // unwrapped sequence number held by each slot
    private readonly long[] _arrivals = new long[HistoryLength];          // its arrival, µs since the first packet
    private readonly TransportCcPacket[] _packets = new TransportCcPacket[MaxPacketsPerFeedback];
    private readonly byte[] _buffer = new byte[BufferLength];
    private readonly uint _senderSsrc;
    private readonly long _intervalMicros = (long)Interval.TotalMicroseconds;
    private readonly double _microsecondsPerTick = 1e6 / Stopwatch.Frequency;

    // Receive thread only
    private bool _started;
    private long _epoch;
    private long _highest;                                                // unwrapped, highest received
    private long _windowStart;                                            // unwrapped, first not yet reported
    private long _lastFeedback;                                           // µs since the first packet
    private int _lastReferenceTime;
    private uint _mediaSsrc;
    private byte _feedbackCount;

    // Written by the receive thread, read by the reporting threads
    private long _sent;
    private long _failed;

    public TransportCcFeedback(uint senderSsrc)
    {
        _senderSsrc = senderSsrc;
        Array.Fill(_sequences, long.MinValue);
    }

    /// <summary>Feedback packets sent.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Feedback packets that could not be written or sent.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Receive thread: a packet with transport-wide sequence number <paramref name="sequence"/> arrived at
    /// <paramref name="now"/> (<see cref="Stopwatch"/> ticks) on <paramref name="ssrc"/>; sends feedback if it is due.</summary>
    public void OnPacket(ushort sequence, uint ssrc, long now, DtlsSrtpTransport transport)
    {
        if (!_started)
        {
            _started = true;
            _epoch = now;
            _highest = sequence;
            _windowStart = sequence;
        }
        long arrival = (long)((now - _epoch) * _microsecondsPerTick);
        long unwrapped = _highest + unchecked((short)(ushort)(sequence - (ushort)_highest));
        int slot = (int)(unwrapped & (HistoryLength - 1));
        if (_sequences[slot] == unwrapped) return;                        // a duplicate: the first arrival counts
        if (unwrapped > _highest)
        {
            _highest = unwrapped;
            if (_highest - _windowStart >= HistoryLength) _windowStart = _highest - HistoryLength + 1;
        }
        else if (unwrapped < _windowStart)
        {
            if (_highest - unwrapped >= HistoryLength) return;            // older than the history
            _windowStart = unwrapped;                                     // late: report again from here
        }
        _sequences[slot] = unwrapped;
        _arrivals[slot] = arrival;
        _mediaSsrc = ssrc;
        if (arrival - _lastFeedback >= _intervalMicros || _highest - _windowStart + 1 >= MaxPacketsPerFeedback)
        {
            _lastFeedback = arrival;
            SendPending(transport);
        }
    }

    /// <summary>Reports everything from the first unreported sequence number to the highest received, in as many
    /// packets as it takes.</summary>
    private void SendPending(DtlsSrtpTransport transport)
    {
        while (_windowStart <= _highest)
        {
            long begin = _windowStart;
            int count = (int)Math.Min(MaxPacketsPerFeedback, _highest - begin + 1);
            int written = 0;
            bool anyReceived = false;
            long reference = 0, last = 0;
            for (; written < count; written++)
            {
                long sequence = begin + written;
                int slot = (int)(sequence & (HistoryLength - 1));
                if (_sequences[slot] != sequence)
                {
                    _packets[written] = new TransportCcPacket((ushort)sequence, TransportCcStatus.NotReceived, 0);
                    continue;
                }
                long arrival = _arrivals[slot];
                if (!anyReceived)
                {
                    anyReceived = true;
                    reference = arrival / MicrosecondsPerReferenceTick;
                    last = reference * MicrosecondsPerReferenceTick;
                }
                long difference = arrival - last;
                long delta = (difference >= 0 ? difference + TransportCcPacket.MicrosecondsPerTick / 2 : difference - TransportCcPacket.MicrosecondsPerTick / 2)
                    / TransportCcPacket.MicrosecondsPerTick;
                if (delta is < short.MinValue or > short.MaxValue) break;     // the rest goes in the next packet
                last += delta * TransportCcPacket.MicrosecondsPerTick;
                _packets[written] = new TransportCcPacket((ushort)sequence,
                    delta is >= 0 and <= byte.MaxValue ? TransportCcStatus.ReceivedSmallDelta : TransportCcStatus.ReceivedLargeDelta, (int)delta);
            }
            if (written == 0) return;                                     // cannot happen: a first delta is 0..256 ticks
            int referenceTime = anyReceived ? (int)(reference & ReferenceTimeMask) : _lastReferenceTime;
            _lastReferenceTime = referenceTime;
            var feedback = new TransportCcWriter
            {
                SenderSsrc = _senderSsrc,
                MediaSsrc = _mediaSsrc,
                BaseSequenceNumber = (ushort)begin,
                ReferenceTime = referenceTime,
                FeedbackPacketCount = _feedbackCount++,
                Packets = _packets.AsSpan(0, written),
            };
            _windowStart = begin + written;
            if (feedback.TryWrite(_buffer.AsSpan(0, BufferLength - transport.RtcpOverhead), out int length)
                && transport.SendRtcp(_buffer, length) == MediaSendStatus.Sent)
            {
                Volatile.Write(ref _sent, _sent + 1);
            }
            else
            {
                Volatile.Write(ref _failed, _failed + 1);
            }
        }
    }
}
