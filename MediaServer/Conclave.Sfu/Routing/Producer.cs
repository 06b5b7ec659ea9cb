using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Forwarding;
using Conclave.Sfu.Reports;

namespace Conclave.Sfu.Routing;

/// <summary>One published track: the RTP stream a peer sends on one m= section (<see cref="Mid"/>), kept for NACKs
/// and fanned out to every <see cref="Consumer"/> of it. Reads only RTP headers: the payload is copied, never parsed.
/// <para>Packets arrive on the media port's receive thread; consumers are added and removed from signaling threads
/// (a copy-on-write array, so the packet path takes no lock).</para></summary>
public sealed class Producer
{
    // Passed by argument
    private readonly TimeProvider _time;

    // Allocated by this
    private readonly Lock _keyframeLock = new();
    private readonly KeyframeRequestThrottle _keyframes;
    private volatile Consumer[] _consumers = [];
    private uint _ssrc;
    private volatile bool _hasSsrc;
    private long _packets;

    internal Producer(string id, SfuPeer peer, string mid, TrackSource source, RtpCodecParameters codec, TimeProvider time)
    {
        Id = id;
        Peer = peer;
        Mid = mid;
        Source = source;
        Codec = codec;
        _time = time;
        _keyframes = new KeyframeRequestThrottle(time);
        // Audio is not retransmitted (Opus has in-band FEC, RFC 7587 §3.3); video keeps about a second.
        Retransmissions = source.IsAudio() ? null : new RetransmissionBuffer(time.TimestampFrequency);
        Statistics = new ReceiveStatistics(codec.ClockRate, time);
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

    /// <summary>The SSRC the publisher sends this track with, once its first packet arrived.</summary>
    public uint? Ssrc => _hasSsrc ? _ssrc : null;

    /// <summary>RTP packets received.</summary>
    public long PacketsReceived => Interlocked.Read(ref _packets);

    /// <summary>Current consumers.</summary>
    public IReadOnlyList<Consumer> Consumers => _consumers;

    internal RetransmissionBuffer? Retransmissions { get; }

    /// <summary>What the SFU receives of this track, for the receiver reports sent to the publisher.</summary>
    internal ReceiveStatistics Statistics { get; }

    internal void BindSsrc(uint ssrc)
    {
        _ssrc = ssrc;
        _hasSsrc = true;
    }

    /// <summary>Receive thread: keeps the packet for NACKs and forwards it to every consumer.</summary>
    internal void OnRtp(ReadOnlySpan<byte> packet, in RtpHeader header, long now)
    {
        Interlocked.Increment(ref _packets);
        Statistics.OnPacket(header.SequenceNumber, header.Timestamp, now);
        if (Source.IsAudio()) ReportAudioLevel(header, now);
        Retransmissions?.Store(packet, now);
        foreach (Consumer consumer in _consumers) consumer.Forward(header, now);
    }

    /// <summary>A subscriber lost the picture, or a new one arrived: ask the publisher for a keyframe, at most every
    /// 500 ms (RFC 4585 §6.3.1 PLI); a request inside that interval is sent when it ends (<see cref="FlushKeyframeRequest"/>).</summary>
    internal void RequestKeyframe()
    {
        if (Source.IsAudio() || !_hasSsrc) return;
        bool send;
        lock (_keyframeLock) send = _keyframes.Request(_time.GetTimestamp());
        if (send) Peer.SendPictureLossIndication(_ssrc);
    }

    /// <summary>Timer: sends a keyframe request the throttle held back.</summary>
    internal void FlushKeyframeRequest()
    {
        if (!_hasSsrc) return;
        bool send;
        lock (_keyframeLock) send = _keyframes.TryTake(_time.GetTimestamp());
        if (send) Peer.SendPictureLossIndication(_ssrc);
    }

    /// <summary>RFC 6464: the level the publisher measured, read from the header (the payload stays unread).</summary>
    private void ReportAudioLevel(in RtpHeader header, long now)
    {
        int id = Peer.AudioLevelExtensionId;
        if (id == 0 || header.TryGetExtensions(out RtpHeaderExtensionReader extensions) != RtpParseStatus.Ok) return;
        if (extensions.TryFind(id, out ReadOnlySpan<byte> value) && AudioLevelExtension.TryRead(value, out bool voice, out byte level))
        {
            Peer.Router.Speakers.OnAudioLevel(Peer.ParticipantId, level, voice, (long)_time.GetElapsedTime(0, now).TotalMilliseconds);
        }
    }

    internal void AddConsumer(Consumer consumer)
    {
        lock (_keyframeLock) _consumers = [.. _consumers, consumer];
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        lock (_keyframeLock) _consumers = [.. _consumers.Where(c => c != consumer)];
    }
}
