using System.Buffers.Binary;
using System.Numerics;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Sfu.Forwarding;

/*  RFC 3550 §5.1: the three fields rewritten in place; everything else, payload included, is left untouched.
     0                   1                   2                   3
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |  ← source + sequence offset
    |                           timestamp                           |  ← source + timestamp offset
    |           synchronization source (SSRC) identifier            |  ← output SSRC
*/
/// <summary>
/// Rewrites the SSRC, sequence number and RTP timestamp of one consumer's packets so the subscriber sees one
/// continuous stream across simulcast layer switches, pauses and resumes (mediasoup's RtpSeqManager, LiveKit's
/// RTPMunger). Only the header is read: payloads are end-to-end encrypted.
/// </summary>
/// <remarks>
/// <para>
/// Packets are forwarded in segments. A segment opens with a packet the caller marks as a switch point (for video
/// the first packet of a keyframe, for audio any packet) when nothing is forwarded yet, when the packet's SSRC is not
/// the current source's (a layer switch), or after <see cref="Resync"/> (a resume). Its first packet gets output
/// sequence number last + 1, so the receiver sees no gap to NACK (RFC 4585 §6.2.1), and output timestamp highest +
/// the wall-clock time since the packet carrying the highest one arrived, at least one tick, so the receiver's
/// jitter buffer sees time advance. Inside a segment fixed offsets map source to output: reordering and upstream
/// loss keep their relative sequence and timestamp positions, packets from before the segment's first packet are
/// <see cref="RtpRewriteStatus.Stale"/>.
/// </para>
/// <para>
/// The caller passes only the packets it wants forwarded: it picks the layer and the switch points. The rewriter
/// remembers the last <see cref="HistorySize"/> output sequence numbers so a subscriber's NACK can be mapped back
/// to the source packet (<see cref="TryMapOutputSequence"/>). A source that restarts its sequence numbers without a
/// new SSRC is stale until <see cref="Resync"/>. Not thread-safe: one instance per consumer, on its packet path.
/// </para>
/// </remarks>
public sealed class RtpStreamRewriter
{
    /// <summary>Default number of output sequence numbers kept for <see cref="TryMapOutputSequence"/>.</summary>
    public const int DefaultHistorySize = 1024;

    private readonly HistoryEntry[] _history;   // indexed by output sequence number & _historyMask
    private readonly int _historyMask;
    private readonly long _timestampFrequency;

    private bool _synchronized;                 // a segment is open
    private bool _forwardedAny;
    private uint _sourceSsrc;
    private ushort _highestSourceSequence;      // highest source sequence number forwarded in the segment
    private long _segmentLength;                // its distance from the segment's first packet, unwrapped
    private ushort _sequenceOffset;             // output = source + offset (mod 2^16)
    private uint _timestampOffset;              // output = source + offset (mod 2^32)
    private ushort _lastSequence;               // highest output sequence number
    private uint _highestTimestamp;             // highest output timestamp (modular order)
    private long _highestTimestampArrival;      // arrival time of the packet that carried it

    /// <summary>Creates the rewriter for one consumer.</summary>
    /// <param name="outputSsrc">The SSRC the subscriber sees.</param>
    /// <param name="clockRate">The RTP clock rate of the track (90000 for video, 48000 for Opus).</param>
    /// <param name="timestampFrequency">Ticks per second of the arrival timestamps (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <param name="initialSequenceNumber">The first output sequence number; RFC 3550 §5.1 asks for a random one.</param>
    /// <param name="initialTimestamp">The first output timestamp; RFC 3550 §5.1 asks for a random one.</param>
    /// <param name="historySize">Output sequence numbers kept for NACK mapping, a power of two from 16 to 32768.</param>
    public RtpStreamRewriter(uint outputSsrc, int clockRate, long timestampFrequency, ushort initialSequenceNumber,
        uint initialTimestamp, int historySize = DefaultHistorySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        // 32768: a signed 16-bit distance (RFC 3550 §A.1) cannot look further back.
        if (historySize is < 16 or > 32768 || !BitOperations.IsPow2(historySize))
            throw new ArgumentOutOfRangeException(nameof(historySize), historySize, "Expected a power of two from 16 to 32768.");
        OutputSsrc = outputSsrc;
        ClockRate = clockRate;
        _timestampFrequency = timestampFrequency;
        _history = new HistoryEntry[historySize];
        _historyMask = historySize - 1;
        _lastSequence = (ushort)(initialSequenceNumber - 1);
        _highestTimestamp = initialTimestamp;
    }

    /// <summary>The SSRC written into every forwarded packet.</summary>
    public uint OutputSsrc { get; }

    /// <summary>The RTP clock rate used to convert pauses into timestamp steps.</summary>
    public int ClockRate { get; }

    /// <summary>How many recent output sequence numbers <see cref="TryMapOutputSequence"/> can resolve.</summary>
    public int HistorySize => _history.Length;

    /// <summary>True while a segment is open: packets of <see cref="SourceSsrc"/> are forwarded without a switch point.</summary>
    public bool IsSynchronized => _synchronized;

    /// <summary>The SSRC of the source being forwarded (meaningful once a packet has been forwarded).</summary>
    public uint SourceSsrc => _sourceSsrc;

    /// <summary>The highest output sequence number sent (the initial one − 1 before the first packet).</summary>
    public ushort LastSequenceNumber => _lastSequence;

    /// <summary>The highest output timestamp sent (the initial one before the first packet).</summary>
    public uint HighestTimestamp => _highestTimestamp;

    /// <summary>
    /// Rewrites <paramref name="packet"/> in place if it is to be forwarded. Never throws, never allocates.
    /// </summary>
    /// <param name="packet">An RTP packet (SRTP already removed); only its first 12 bytes are read and written.</param>
    /// <param name="arrivalTimestamp">When it arrived, in ticks of the constructor's timestamp frequency.</param>
    /// <param name="isSwitchPoint">
    /// True if the subscriber can start decoding here (first packet of a keyframe; any audio packet). Consulted only
    /// when the packet would open a segment; ignored for packets of the current source.
    /// </param>
    /// <param name="outputSequence">The output sequence number when forwarded, or the one a duplicate already had.</param>
    public RtpRewriteStatus TryRewrite(Span<byte> packet, long arrivalTimestamp, bool isSwitchPoint, out ushort outputSequence)
    {
        outputSequence = 0;
        if (packet.Length < RtpHeader.FixedLength || packet[0] >> 6 != 2) return RtpRewriteStatus.Malformed;
        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        uint timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);

        ushort output;
        if (!_synchronized || ssrc != _sourceSsrc)
        {
            if (!isSwitchPoint) return RtpRewriteStatus.AwaitingSwitchPoint;
            output = StartSegment(ssrc, sequence, timestamp, arrivalTimestamp);
        }
        else
        {
            // RFC 3550 §A.1: sequence numbers are ordered by their signed 16-bit distance from the highest one.
            int delta = (short)(sequence - _highestSourceSequence);
            if (_segmentLength + delta < 0) return RtpRewriteStatus.Stale;
            if (delta <= -_history.Length) return RtpRewriteStatus.TooOld;
            output = (ushort)(sequence + _sequenceOffset);
            if (delta <= 0 && IsRecorded(output))
            {
                outputSequence = output;
                return RtpRewriteStatus.Duplicate;
            }
            if (delta > 0)
            {
                Forget(_lastSequence, delta - 1);   // lost upstream: those output numbers were never sent
                _highestSourceSequence = sequence;
                _segmentLength += delta;
                _lastSequence = output;
            }
        }

        uint outputTimestamp = timestamp + _timestampOffset;
        if ((int)(outputTimestamp - _highestTimestamp) >= 0)   // modular order, as for sequence numbers
        {
            _highestTimestamp = outputTimestamp;
            _highestTimestampArrival = arrivalTimestamp;
        }
        _history[output & _historyMask] = new HistoryEntry(ssrc, sequence, output, outputTimestamp);
        RtpHeaderEditor.SetSequenceNumber(packet, output);
        RtpHeaderEditor.SetTimestamp(packet, outputTimestamp);
        RtpHeaderEditor.SetSsrc(packet, OutputSsrc);
        outputSequence = output;
        return RtpRewriteStatus.Forwarded;
    }

    /// <summary>
    /// Closes the current segment: the next forwarded packet must be a switch point and continues the output at
    /// last + 1. Call when the caller stops forwarding a source whose sequence numbers keep running (consumer paused,
    /// layer paused by dynacast, nobody watching), at the latest before resuming. Not needed for a layer switch,
    /// which the SSRC change reveals, nor when the publisher itself stops sending (its numbers do not advance).
    /// </summary>
    public void Resync() => _synchronized = false;

    /// <summary>
    /// Maps an output sequence number from a subscriber's NACK back to the packet that carried it, if it was sent
    /// among the last <see cref="HistorySize"/> output numbers. Never allocates.
    /// </summary>
    /// <param name="outputSequence">The sequence number the subscriber saw.</param>
    /// <param name="sourceSsrc">The SSRC of the source stream (selects the producer's retransmission buffer).</param>
    /// <param name="sourceSequence">The packet's sequence number in that source stream.</param>
    /// <param name="outputTimestamp">The timestamp the subscriber saw, to write into the retransmitted copy.</param>
    public bool TryMapOutputSequence(ushort outputSequence, out uint sourceSsrc, out ushort sourceSequence, out uint outputTimestamp)
    {
        if (!IsRecorded(outputSequence))
        {
            sourceSsrc = 0;
            sourceSequence = 0;
            outputTimestamp = 0;
            return false;
        }
        ref readonly var entry = ref _history[outputSequence & _historyMask];
        sourceSsrc = entry.SourceSsrc;
        sourceSequence = entry.SourceSequence;
        outputTimestamp = entry.OutputTimestamp;
        return true;
    }

    // Opens a segment at this packet; returns its output sequence number.
    private ushort StartSegment(uint ssrc, ushort sequence, uint timestamp, long arrivalTimestamp)
    {
        ushort output = (ushort)(_lastSequence + 1);
        uint outputTimestamp = _forwardedAny
            ? _highestTimestamp + ElapsedTicks(arrivalTimestamp - _highestTimestampArrival)
            : _highestTimestamp;
        _forwardedAny = true;
        _synchronized = true;
        _sourceSsrc = ssrc;
        _highestSourceSequence = sequence;
        _segmentLength = 0;
        _sequenceOffset = (ushort)(output - sequence);
        _timestampOffset = outputTimestamp - timestamp;
        _lastSequence = output;
        return output;
    }

    // Wall-clock ticks converted to the RTP clock, at least 1 and below 2^31 so that the step still reads as
    // forward in modular timestamp order.
    private uint ElapsedTicks(long elapsed)
    {
        if (elapsed <= 0) return 1;
        Int128 ticks = (Int128)elapsed * ClockRate / _timestampFrequency;
        return (uint)(long)Int128.Clamp(ticks, 1, int.MaxValue);
    }

    private bool IsRecorded(ushort outputSequence)
    {
        ref readonly var entry = ref _history[outputSequence & _historyMask];
        return entry.IsSet && entry.OutputSequence == outputSequence;
    }

    // Clears the history slots of the `count` output numbers after `after`; beyond the ring, all of it.
    private void Forget(ushort after, int count)
    {
        if (count >= _history.Length)
        {
            Array.Clear(_history);
            return;
        }
        for (int i = 1; i <= count; i++) _history[(after + i) & _historyMask] = default;
    }

    private readonly struct HistoryEntry(uint sourceSsrc, ushort sourceSequence, ushort outputSequence, uint outputTimestamp)
    {
        public uint SourceSsrc { get; } = sourceSsrc;
        public uint OutputTimestamp { get; } = outputTimestamp;
        public ushort SourceSequence { get; } = sourceSequence;
        public ushort OutputSequence { get; } = outputSequence;
        public bool IsSet { get; } = true;
    }
}
