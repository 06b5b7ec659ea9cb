using System.Text;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Forwarding;

namespace Conclave.Sfu.Routing;

/// <summary>One subscriber's copy of one <see cref="Producer"/>: its own SSRC, sequence numbers and timestamps
/// (<see cref="RtpStreamRewriter"/>), the payload type and mid of the subscriber's m= section, the simulcast layer the
/// subscriber's <see cref="BandwidthAllocator"/> chose for it, and the NACKs it serves from the producer's
/// retransmission buffers.
/// <para>Every packet is rebuilt: a fresh RTP header (RFC 3550 §5.1) with the subscriber's transport-wide sequence
/// number (stamped as it is sent, see <see cref="SfuPeer.SendRtp"/>), mid extension (RFC 8843 §15) and, when both
/// sides negotiated it, the publisher's dependency descriptor, then the publisher's payload bytes, copied unread. A layer switch waits for a keyframe of the new layer, so the subscriber sees one continuous
/// stream. Runs on the media port's receive thread; nothing is allocated per packet.</para></summary>
public sealed class Consumer
{
    private const int BufferLength = 1500 + 64;         // a datagram plus the SRTP trailer
    // RFC 8285 §4.3: two-byte elements, a transport-wide sequence number, a mid of up to 16 bytes and a descriptor of
    // up to 255, padded to 32 bits.
    private const int ExtensionLength = (2 + TransportSequenceNumberExtension.Length + 2 + 16 + 2 + 255 + 3) / 4 * 4;
    private const int ExtensionDataOffset = 12 + 4;     // RFC 3550 §5.1 fixed header (no CSRCs), RFC 8285 §4.2 extension header

    // Allocated by this; the buffers belong to the receive thread.
    private readonly RtpStreamRewriter _rewriter;
    private readonly byte[] _packet = new byte[BufferLength];
    private readonly byte[] _retransmission = new byte[BufferLength];
    private readonly byte[] _extension = new byte[ExtensionLength];
    private readonly byte[] _mid;
    private readonly long _timestampFrequency;
    private readonly RtxPacketizer? _rtx;                             // when the subscriber negotiated rtx
    private long _forwarded;
    private long _retransmitted;
    private long _octets;
    private uint _lastTimestamp;
    private long _lastSent;
    private volatile bool _sentAny;
    private volatile int _targetLayer;                                // set by the router's timer
    private int _currentLayer = LayerSelector.NoLayer;                // receive thread

    internal Consumer(Producer producer, SfuPeer subscriber, string mid, RtpCodecParameters codec, ConsumerExtensions extensions,
        uint ssrc, (byte PayloadType, uint Ssrc)? retransmission, TimeProvider time)
    {
        if (retransmission is { } rtx) _rtx = new RtxPacketizer(rtx.Ssrc, rtx.PayloadType, (ushort)Random.Shared.Next(ushort.MaxValue + 1));
        Producer = producer;
        Subscriber = subscriber;
        Mid = mid;
        Codec = codec;
        Ssrc = ssrc;
        Extensions = extensions;
        _timestampFrequency = time.TimestampFrequency;
        _rewriter = new RtpStreamRewriter(ssrc, codec.ClockRate, time.TimestampFrequency,
            (ushort)Random.Shared.Next(ushort.MaxValue + 1), (uint)Random.Shared.NextInt64(uint.MaxValue + 1L));   // RFC 3550 §5.1: random starts
        _mid = Encoding.ASCII.GetBytes(mid);
        // Audio and single-stream video have one layer, always on; simulcast waits for the allocator's first choice.
        _targetLayer = producer.IsSimulcast ? LayerSelector.NoLayer : 0;
    }

    /// <summary>The track being consumed.</summary>
    public Producer Producer { get; }

    /// <summary>The receiving peer.</summary>
    public SfuPeer Subscriber { get; }

    /// <summary>The subscriber's m= section for this track.</summary>
    public string Mid { get; }

    /// <summary>The codec with the subscriber's payload type.</summary>
    public RtpCodecParameters Codec { get; }

    /// <summary>The header extensions the subscriber negotiated on this section.</summary>
    public ConsumerExtensions Extensions { get; }

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

    /// <summary>The layer the allocator chose (<see cref="LayerSelector.NoLayer"/>: paused or nothing fits).</summary>
    public int TargetLayer => _targetLayer;

    /// <summary>The layer being forwarded now; it becomes <see cref="TargetLayer"/> at that layer's next keyframe.</summary>
    public int CurrentLayer => Volatile.Read(ref _currentLayer);

    /// <summary>The video consumer's share of its subscriber's bandwidth; null for audio.</summary>
    internal LayerSelector? Selector { get; set; }

    /// <summary>Router timer: takes the allocator's choice; a new layer is asked for a keyframe, to switch at.</summary>
    internal void ApplyTarget(int layer)
    {
        if (_targetLayer == layer) return;
        _targetLayer = layer;
        if (layer != LayerSelector.NoLayer) Producer.Streams[layer].RequestKeyframe();
    }

    /// <summary>The subscriber lost the picture (PLI/FIR), or just connected: ask for a keyframe of the layer it gets.</summary>
    internal void RequestKeyframe()
    {
        int layer = _targetLayer;
        if (layer != LayerSelector.NoLayer) Producer.Streams[layer].RequestKeyframe();
    }

    /// <summary>Receive thread: forwards <paramref name="source"/> of <paramref name="stream"/> if it is the layer
    /// this subscriber gets, switching layers at a <paramref name="switchPoint"/> (a keyframe) of the target.</summary>
    internal void Forward(InboundStream stream, in RtpHeader source, bool switchPoint, long now)
    {
        if (!Subscriber.IsConnected) return;
        int target = _targetLayer;
        int layer = stream.SpatialIndex;
        if (target == LayerSelector.NoLayer)
        {
            if (_currentLayer != LayerSelector.NoLayer) PauseLocked();
            return;
        }
        if (layer != _currentLayer)
        {
            if (layer != target || !switchPoint) return;              // keep the current layer until the target's keyframe
            Volatile.Write(ref _currentLayer, layer);
        }
        if (!TryBuild(source, _packet, out int length, out int transportSequenceAt)) return;
        if (_rewriter.TryRewrite(_packet.AsSpan(0, length), now, switchPoint, out _) != RtpRewriteStatus.Forwarded) return;
        if (!Subscriber.SendRtp(_packet, length, transportSequenceAt, now)) return;
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
        if (!Subscriber.IsConnected) return;
        if (!_rewriter.TryMapOutputSequence(outputSequence, out uint sourceSsrc, out ushort sourceSequence, out uint outputTimestamp)) return;
        RetransmissionBuffer? buffer = null;
        foreach (InboundStream stream in Producer.Streams)
        {
            if (stream.Ssrc == sourceSsrc) buffer = stream.Retransmissions;
        }
        if (buffer is null || !buffer.TryCopyTo(sourceSequence, now, _retransmission, out int stored)) return;
        if (RtpHeader.TryRead(_retransmission.AsSpan(0, stored), out RtpHeader original) != RtpParseStatus.Ok) return;
        if (!TryBuild(original, _packet, out int length, out int transportSequenceAt)) return;
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
        // RFC 4588 §4: the RTX packet keeps the original header, extensions included, so the offset holds.
        if (!Subscriber.SendRtp(resend, length, transportSequenceAt, now)) return;
        Interlocked.Increment(ref _forwarded);
        Subscriber.Router.Statistics.OnForwarded();
        Interlocked.Increment(ref _retransmitted);
    }

    /// <summary>Resumes from a pause at the next switch point, with no gap in sequence numbers (the rewriter's new
    /// segment follows on).</summary>
    private void PauseLocked()
    {
        Volatile.Write(ref _currentLayer, LayerSelector.NoLayer);
        _rewriter.Resync();
    }

    /// <summary>Writes the subscriber's packet for <paramref name="source"/>; <paramref name="transportSequenceAt"/>
    /// is where the transport-wide sequence number goes (0: not negotiated). It is the first element, so its place
    /// depends only on the form the extension block took (RFC 8285 §4.2: one-byte header, §4.3: two-byte).</summary>
    private bool TryBuild(in RtpHeader source, byte[] destination, out int length, out int transportSequenceAt)
    {
        length = 0;
        transportSequenceAt = 0;
        var extensions = new RtpHeaderExtensionWriter(_extension, Extensions.AllowTwoByte);
        if (Extensions.TransportSequenceId != 0 && !extensions.TryAdd((byte)Extensions.TransportSequenceId, TransportSequenceNumberExtension.Length, out _)) return false;
        if (Extensions.MidId != 0 && !extensions.TryAdd((byte)Extensions.MidId, _mid)) return false;
        int descriptorId = Producer.Peer.Extensions.DescriptorId;
        if (Extensions.DescriptorId != 0 && descriptorId != 0
            && source.TryGetExtensions(out RtpHeaderExtensionReader reader) == RtpParseStatus.Ok
            && reader.TryFind(descriptorId, out ReadOnlySpan<byte> descriptor))
        {
            extensions.TryAdd((byte)Extensions.DescriptorId, descriptor);    // a subscriber without two-byte ids goes without
        }
        ushort profile = 0;
        int extensionLength = 0;
        if (extensions.Count > 0 && !extensions.TryFinish(out profile, out extensionLength)) return false;
        if (Extensions.TransportSequenceId != 0)
            transportSequenceAt = ExtensionDataOffset + (profile == RtpHeaderExtensionReader.OneByteProfile ? 1 : 2);
        var writer = new RtpPacketWriter
        {
            Marker = source.Marker,
            PayloadType = Codec.PayloadType,
            SequenceNumber = source.SequenceNumber,
            Timestamp = source.Timestamp,
            Ssrc = source.Ssrc,
            HasExtension = extensions.Count > 0,
            ExtensionProfile = profile,
            ExtensionData = _extension.AsSpan(0, extensionLength),
            Payload = source.Payload,
        };
        return writer.GetWrittenLength() + Subscriber.RtpOverhead <= destination.Length && writer.TryWrite(destination, out length);
    }
}
