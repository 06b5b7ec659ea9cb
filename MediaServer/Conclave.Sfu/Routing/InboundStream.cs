using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Forwarding;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Sfu.Routing;

/// <summary>One RTP stream a publisher sends for a <see cref="Producer"/>: the track itself, or one of its simulcast
/// encodings, named by its rid (RFC 8851, RFC 8853) and bound to its SSRC by the first packet that carries the
/// rtp-stream-id extension (RFC 8852 §3.3). Keeps what the SFU learns from the headers alone: keyframes and the
/// encoded resolution from the dependency descriptor (AV1 RTP spec, Appendix A), the bitrate, the receive statistics
/// for receiver reports, and the packets for NACKs.
/// <para>Fed on the media port's receive thread; the router's timer reads the bitrate and activity.</para></summary>
public sealed class InboundStream
{
    /// <summary>A layer that sent nothing for this long counts as paused by its publisher.</summary>
    public static readonly TimeSpan InactiveAfter = TimeSpan.FromSeconds(1);

    // Passed by argument
    private readonly TimeProvider _time;

    // Allocated by this
    private readonly Lock _lock = new();
    private readonly BitrateMeter _meter;
    private readonly DependencyDescriptorReader _descriptors = new();
    private readonly KeyframeRequestThrottle _keyframes;
    private uint _ssrc;
    private volatile bool _hasSsrc;
    private long _lastPacket;
    private long _packets;
    private volatile int _width;
    private volatile int _height;

    internal InboundStream(Producer producer, int spatialIndex, string? rid, TimeProvider time)
    {
        Producer = producer;
        SpatialIndex = spatialIndex;
        Rid = rid;
        _time = time;
        _meter = new BitrateMeter(time);
        _keyframes = new KeyframeRequestThrottle(time);
        // Audio is not retransmitted (Opus has in-band FEC, RFC 7587 §3.3); video keeps about a second.
        Retransmissions = producer.Source.IsAudio() ? null : new RetransmissionBuffer(time.TimestampFrequency);
        Statistics = new ReceiveStatistics(producer.Codec.ClockRate, time);
    }

    /// <summary>The track this stream carries.</summary>
    public Producer Producer { get; }

    /// <summary>0 for the lowest simulcast encoding (the offer's <c>a=simulcast</c> lists them lowest first).</summary>
    public int SpatialIndex { get; }

    /// <summary>The encoding's rid; null for a track without simulcast.</summary>
    public string? Rid { get; }

    /// <summary>The SSRC, once the first packet arrived.</summary>
    public uint? Ssrc => _hasSsrc ? _ssrc : null;

    /// <summary>RTP packets received.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packets);

    /// <summary>The encoded width from the dependency descriptor's render resolution; 0 while unknown.</summary>
    public int Width => _width;

    /// <summary>The encoded height from the dependency descriptor's render resolution; 0 while unknown.</summary>
    public int Height => _height;

    internal RetransmissionBuffer? Retransmissions { get; }

    /// <summary>What the SFU receives of this stream, for the receiver reports sent to the publisher.</summary>
    internal ReceiveStatistics Statistics { get; }

    internal void BindSsrc(uint ssrc)
    {
        _ssrc = ssrc;
        _hasSsrc = true;
    }

    /// <summary>Receive thread: counts and keeps the packet; returns whether a consumer may start or switch to this
    /// stream at it. With a dependency descriptor that is the first packet of a keyframe (a frame carrying the
    /// template structure whose template references nothing); without one, any packet: a consumer asks for a keyframe
    /// when it chooses a stream, and the receiver's decoder asks again if it starts mid-frame.</summary>
    internal bool OnPacket(ReadOnlySpan<byte> packet, in RtpHeader header, int descriptorExtensionId, long now)
    {
        Interlocked.Increment(ref _packets);
        Volatile.Write(ref _lastPacket, now);
        Statistics.OnPacket(header.SequenceNumber, header.Timestamp, now);
        lock (_lock) _meter.OnPacket(packet.Length, now);
        Retransmissions?.Store(packet, now);
        if (Producer.Source.IsAudio()) return true;
        if (descriptorExtensionId == 0 || header.TryGetExtensions(out RtpHeaderExtensionReader extensions) != RtpParseStatus.Ok
            || !extensions.TryFind(descriptorExtensionId, out ReadOnlySpan<byte> value)
            || _descriptors.TryRead(value, out DependencyDescriptor descriptor) != DependencyDescriptorStatus.Ok)
        {
            return true;
        }
        if (!descriptor.IsKeyframe) return false;
        if (descriptor.Structure.TryGetResolution(descriptor.SpatialId, out int width, out int height))
        {
            _width = width;
            _height = height;
        }
        lock (_lock) _keyframes.OnKeyframe();
        return true;
    }

    /// <summary>Bits per second over the last second.</summary>
    internal long GetBitrate(long now)
    {
        lock (_lock) return _meter.GetBitrate(now);
    }

    /// <summary>Whether the publisher sent this stream in the last <see cref="InactiveAfter"/>.</summary>
    internal bool IsActive(long now) => Volatile.Read(ref _packets) > 0 && _time.GetElapsedTime(Volatile.Read(ref _lastPacket), now) < InactiveAfter;

    /// <summary>Asks the publisher for a keyframe of this stream, at most every 500 ms (RFC 4585 §6.3.1 PLI); a request
    /// inside that interval is sent when it ends (<see cref="FlushKeyframeRequest"/>).</summary>
    internal void RequestKeyframe()
    {
        if (Producer.Source.IsAudio() || !_hasSsrc) return;
        bool send;
        lock (_lock) send = _keyframes.Request(_time.GetTimestamp());
        if (send) Producer.Peer.SendPictureLossIndication(_ssrc);
    }

    /// <summary>Timer: sends a keyframe request the throttle held back.</summary>
    internal void FlushKeyframeRequest()
    {
        if (!_hasSsrc) return;
        bool send;
        lock (_lock) send = _keyframes.TryTake(_time.GetTimestamp());
        if (send) Producer.Peer.SendPictureLossIndication(_ssrc);
    }
}
