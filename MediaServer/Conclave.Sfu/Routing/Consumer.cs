using System.Text;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Forwarding;

namespace Conclave.Sfu.Routing;

/// <summary>One subscriber's copy of one <see cref="Producer"/>: its own SSRC, sequence numbers and timestamps
/// (<see cref="RtpStreamRewriter"/>), the payload type and mid of the subscriber's m= section, and the NACKs it
/// serves from the producer's retransmission buffer.
/// <para>Every packet is rebuilt: a fresh RTP header (RFC 3550 §5.1) with only the subscriber's mid extension
/// (RFC 8843 §15), then the publisher's payload bytes, copied unread. Runs on the media port's receive thread;
/// nothing is allocated per packet.</para></summary>
public sealed class Consumer
{
    private const int BufferLength = 1500 + 64;         // a datagram plus the SRTP trailer

    // Allocated by this; the buffers belong to the receive thread.
    private readonly RtpStreamRewriter _rewriter;
    private readonly byte[] _packet = new byte[BufferLength];
    private readonly byte[] _retransmission = new byte[BufferLength];
    private readonly byte[] _midExtension;
    private readonly long _timestampFrequency;
    private readonly RtxPacketizer? _rtx;                             // when the subscriber negotiated rtx
    private long _forwarded;
    private long _retransmitted;
    private long _octets;
    private uint _lastTimestamp;
    private long _lastSent;
    private volatile bool _sentAny;

    internal Consumer(Producer producer, SfuPeer subscriber, string mid, RtpCodecParameters codec, int midExtensionId, uint ssrc,
        (byte PayloadType, uint Ssrc)? retransmission, TimeProvider time)
    {
        if (retransmission is { } rtx) _rtx = new RtxPacketizer(rtx.Ssrc, rtx.PayloadType, (ushort)Random.Shared.Next(ushort.MaxValue + 1));
        Producer = producer;
        Subscriber = subscriber;
        Mid = mid;
        Codec = codec;
        Ssrc = ssrc;
        _timestampFrequency = time.TimestampFrequency;
        _rewriter = new RtpStreamRewriter(ssrc, codec.ClockRate, time.TimestampFrequency,
            (ushort)Random.Shared.Next(ushort.MaxValue + 1), (uint)Random.Shared.NextInt64(uint.MaxValue + 1L));   // RFC 3550 §5.1: random starts
        _midExtension = MidExtension(midExtensionId, mid);
    }

    /// <summary>The track being consumed.</summary>
    public Producer Producer { get; }

    /// <summary>The receiving peer.</summary>
    public SfuPeer Subscriber { get; }

    /// <summary>The subscriber's m= section for this track.</summary>
    public string Mid { get; }

    /// <summary>The codec with the subscriber's payload type.</summary>
    public RtpCodecParameters Codec { get; }

    /// <summary>The SSRC the subscriber receives (announced in its answer's <c>a=ssrc</c>).</summary>
    public uint Ssrc { get; }

    /// <summary>The RTX stream's SSRC (<c>a=ssrc-group:FID</c>) when the subscriber negotiated rtx.</summary>
    public uint? RtxSsrc => _rtx?.Ssrc;

    /// <summary>The subscriber's rtx payload type, when negotiated.</summary>
    public byte? RtxPayloadType => _rtx?.PayloadType;

    /// <summary>Packets sent to the subscriber (retransmissions included).</summary>
    public long PacketsForwarded => Interlocked.Read(ref _forwarded);

    /// <summary>Packets resent because the subscriber NACKed them.</summary>
    public long PacketsRetransmitted => Interlocked.Read(ref _retransmitted);

    /// <summary>Receive thread: rebuilds <paramref name="source"/> for this subscriber and sends it. A single source
    /// stream per track, so every packet may open a segment; a decoder that starts mid-frame asks for a keyframe.</summary>
    internal void Forward(in RtpHeader source, long now)
    {
        if (!Subscriber.IsConnected) return;
        if (!TryBuild(source, _packet, out int length)) return;
        if (_rewriter.TryRewrite(_packet.AsSpan(0, length), now, isSwitchPoint: true, out _) != RtpRewriteStatus.Forwarded) return;
        if (!Subscriber.SendRtp(_packet, length)) return;
        Interlocked.Increment(ref _forwarded);
        Subscriber.Router.Statistics.OnForwarded();
        Interlocked.Add(ref _octets, source.PayloadLength);
        Volatile.Write(ref _lastTimestamp, _rewriter.HighestTimestamp);
        Volatile.Write(ref _lastSent, now);
        _sentAny = true;
    }

    /// <summary>RFC 3550 §6.4.1: this leg's sender report, its RTP timestamp extrapolated from the last packet sent to
    /// the wall-clock time of <paramref name="ntp"/> (<paramref name="now"/>), so the subscriber can sync and measure.</summary>
    internal bool TryWriteSenderReport(Span<byte> destination, ulong ntp, long now, out int written)
    {
        written = 0;
        if (!_sentAny) return false;
        TimeSpan since = TimeSpan.Zero;
        long lastSent = Volatile.Read(ref _lastSent);
        if (now > lastSent) since = TimeSpan.FromTicks((now - lastSent) * TimeSpan.TicksPerSecond / _timestampFrequency);
        var report = new SenderReportWriter
        {
            Ssrc = Ssrc,
            NtpTimestamp = ntp,
            RtpTimestamp = Volatile.Read(ref _lastTimestamp) + (uint)(since.TotalSeconds * Codec.ClockRate),
            PacketCount = (uint)Interlocked.Read(ref _forwarded),
            OctetCount = (uint)Interlocked.Read(ref _octets),
        };
        return report.TryWrite(destination, out written);
    }

    /// <summary>Receive thread: the subscriber NACKed <paramref name="outputSequence"/> (RFC 4585 §6.2.1): resend it
    /// from the producer's buffer with the same sequence number and timestamp as the first time, inside an RTX packet
    /// on the RTX stream when negotiated (RFC 4588 §4), else as is.</summary>
    internal void Retransmit(ushort outputSequence, long now)
    {
        RetransmissionBuffer? buffer = Producer.Retransmissions;
        if (buffer is null || !Subscriber.IsConnected) return;
        if (!_rewriter.TryMapOutputSequence(outputSequence, out uint sourceSsrc, out ushort sourceSequence, out uint outputTimestamp)) return;
        if (Producer.Ssrc != sourceSsrc || !buffer.TryCopyTo(sourceSequence, now, _retransmission, out int stored)) return;
        if (RtpHeader.TryRead(_retransmission.AsSpan(0, stored), out RtpHeader original) != RtpParseStatus.Ok) return;
        if (!TryBuild(original, _packet, out int length)) return;
        RtpHeaderEditor.SetSsrc(_packet, Ssrc);
        RtpHeaderEditor.SetSequenceNumber(_packet, outputSequence);
        RtpHeaderEditor.SetTimestamp(_packet, outputTimestamp);
        byte[] resend = _packet;
        if (_rtx is not null)
        {
            if (RtpHeader.TryRead(_packet.AsSpan(0, length), out RtpHeader rebuilt) != RtpParseStatus.Ok) return;
            if (RtxPacketizer.GetWrittenLength(rebuilt) + Subscriber.RtpOverhead > _retransmission.Length) return;
            if (!_rtx.TryWrite(rebuilt, _retransmission, out length)) return;
            resend = _retransmission;
        }
        if (!Subscriber.SendRtp(resend, length)) return;
        Interlocked.Increment(ref _forwarded);
        Subscriber.Router.Statistics.OnForwarded();
        Interlocked.Increment(ref _retransmitted);
    }

    private bool TryBuild(in RtpHeader source, byte[] destination, out int length)
    {
        var writer = new RtpPacketWriter
        {
            Marker = source.Marker,
            PayloadType = Codec.PayloadType,
            SequenceNumber = source.SequenceNumber,
            Timestamp = source.Timestamp,
            Ssrc = source.Ssrc,
            HasExtension = _midExtension.Length > 0,
            ExtensionProfile = RtpHeaderExtensionReader.OneByteProfile,
            ExtensionData = _midExtension,
            Payload = source.Payload,
        };
        length = 0;
        return writer.GetWrittenLength() + Subscriber.RtpOverhead <= destination.Length && writer.TryWrite(destination, out length);
    }

    /// <summary>RFC 8285 §4.2 one-byte element with the mid (RFC 8843 §15), padded to 32 bits; empty when the
    /// subscriber did not negotiate the extension.</summary>
    private static byte[] MidExtension(int id, string mid)
    {
        if (id is < 1 or > 14) return [];
        byte[] value = Encoding.ASCII.GetBytes(mid);
        byte[] element = new byte[(1 + value.Length + 3) / 4 * 4];
        element[0] = (byte)(id << 4 | (value.Length - 1));
        value.CopyTo(element, 1);
        return element;
    }
}
