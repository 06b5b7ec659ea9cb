using System.Diagnostics.CodeAnalysis;
using System.Text;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Routing;

/// <summary>One published track: what a peer sends on one m= section (<see cref="Mid"/>), as one RTP stream or as up
/// to <see cref="ProducerLayers.MaxLayerCount"/> simulcast encodings by rid (<see cref="Streams"/>, lowest first),
/// fanned out to every <see cref="Consumer"/> of it. Reads only RTP headers: the payload is copied, never parsed.
/// <para>Packets arrive on the media port's receive thread; consumers are added and removed from signaling threads
/// (a copy-on-write array, so the packet path takes no lock).</para></summary>
public sealed class Producer
{
    // Passed by argument
    private readonly TimeProvider _time;

    // Allocated by this
    private readonly Lock _lock = new();
    private readonly InboundStream[] _streams;
    private volatile Consumer[] _consumers = [];
    private uint? _announcedWanted;                                     // router timer: the wanted layers last announced

    internal Producer(string id, SfuPeer peer, string mid, TrackSource source, RtpCodecParameters codec, IReadOnlyList<string> rids, TimeProvider time)
    {
        Id = id;
        Peer = peer;
        Mid = mid;
        Source = source;
        Codec = codec;
        _time = time;
        _streams = rids.Count == 0
            ? [new InboundStream(this, 0, null, time)]
            : [.. rids.Select((rid, index) => new InboundStream(this, index, rid, time))];
        Layers = new ProducerLayers(_streams.Length);
    }

    /// <summary>The track id other participants subscribe to.</summary>
    public string Id { get; }

    /// <summary>The publishing peer.</summary>
    public SfuPeer Peer { get; }

    /// <summary>The publisher's m= section.</summary>
    public string Mid { get; }

    /// <summary>Microphone, camera or screen.</summary>
    public TrackSource Source { get; }

    /// <summary>The codec as negotiated with the publisher.</summary>
    public RtpCodecParameters Codec { get; }

    /// <summary>Set by the publisher through signaling; forwarded to subscribers' UIs, media keeps flowing.</summary>
    public bool Muted { get; set; }

    /// <summary>The RTP streams: one, or one per simulcast encoding, lowest first.</summary>
    public IReadOnlyList<InboundStream> Streams => _streams;

    /// <summary>True when the track is sent as simulcast encodings.</summary>
    public bool IsSimulcast => _streams[0].Rid is not null;

    /// <summary>RTP packets received on every stream.</summary>
    public long PacketsReceived => _streams.Sum(s => s.PacketsReceived);

    /// <summary>Current consumers.</summary>
    public IReadOnlyList<Consumer> Consumers => _consumers;

    /// <summary>The layers as the bandwidth allocator sees them (router timer only), and which of them subscribers
    /// want (dynacast).</summary>
    internal ProducerLayers Layers { get; }

    /// <summary>The simulcast stream named <paramref name="rid"/> (RFC 8852 rtp-stream-id), compared without allocating.</summary>
    internal InboundStream? FindStream(ReadOnlySpan<byte> rid)
    {
        foreach (InboundStream stream in _streams)
        {
            if (stream.Rid is { } name && Ascii.Equals(rid, name)) return stream;
        }
        return null;
    }

    /// <summary>Receive thread: keeps the packet and forwards it to every consumer.</summary>
    internal void OnRtp(InboundStream stream, ReadOnlySpan<byte> packet, in RtpHeader header, long now)
    {
        bool switchPoint = stream.OnPacket(packet, header, Peer.Extensions.DescriptorId, now);
        if (Source.IsAudio()) ReportAudioLevel(header, now);
        foreach (Consumer consumer in _consumers) consumer.Forward(stream, header, switchPoint, now);
    }

    /// <summary>Asks for a keyframe of every stream a consumer receives or waits for; with one stream, of that one.</summary>
    internal void RequestKeyframe()
    {
        foreach (InboundStream stream in _streams) stream.RequestKeyframe();
    }

    /// <summary>Timer: updates the allocator's view of the layers (bitrate, activity, resolution) and sends the
    /// keyframe requests the throttles held back.</summary>
    internal void Maintain(long now)
    {
        foreach (InboundStream stream in _streams)
        {
            Layers.SetLayer(stream.SpatialIndex, new VideoLayer(stream.Width, stream.Height, stream.GetBitrate(now), stream.IsActive(now)));
            stream.FlushKeyframeRequest();
        }
    }

    /// <summary>Timer, after allocation: the rids subscribers want of this simulcast track, when that changed since
    /// the last call (dynacast). The lowest is always among them: a camera with every encoding paused may not resume
    /// (measured with Chromium 156: after all encodings went inactive and active again, some senders stayed silent),
    /// and a new subscriber gets a picture at once. Never for a track without simulcast, nor before its first
    /// subscriber.</summary>
    internal bool TryTakeWantedLayersChange([NotNullWhen(true)] out IReadOnlyList<string>? rids)
    {
        rids = null;
        uint wanted = Layers.WantedLayers | 1u;
        // Nothing is paused before the first subscriber: Chromium 156 did not always start an encoding paused before
        // it had ever sent.
        if (!IsSimulcast || _consumers.Length == 0 || _announcedWanted == wanted) return false;
        _announcedWanted = wanted;
        rids = [.. _streams.Where(s => (wanted & (1u << s.SpatialIndex)) != 0).Select(s => s.Rid!)];
        return true;
    }

    /// <summary>RFC 6464: the level the publisher measured, read from the header (the payload stays unread).</summary>
    private void ReportAudioLevel(in RtpHeader header, long now)
    {
        int id = Peer.Extensions.AudioLevelId;
        if (id == 0 || header.TryGetExtensions(out RtpHeaderExtensionReader extensions) != RtpParseStatus.Ok) return;
        if (extensions.TryFind(id, out ReadOnlySpan<byte> value) && AudioLevelExtension.TryRead(value, out bool voice, out byte level))
        {
            Peer.Router.Speakers.OnAudioLevel(Peer.ParticipantId, level, voice, (long)_time.GetElapsedTime(0, now).TotalMilliseconds);
        }
    }

    internal void AddConsumer(Consumer consumer)
    {
        lock (_lock) _consumers = [.. _consumers, consumer];
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        lock (_lock) _consumers = [.. _consumers.Where(c => c != consumer)];
    }
}
