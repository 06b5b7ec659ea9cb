using System.Diagnostics;
using System.Text;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Bench.Sfu;

/// <summary>One RTP stream of a simulated publisher: its microphone (Opus-sized packets every 20 ms with the RFC 6464
/// audio level) or one simulcast encoding of its camera (VP8-sized frames of 1,100-1,200-byte packets, L1T3, with the
/// mid, rtp-stream-id and dependency descriptor extensions; a keyframe first, periodically and when asked by PLI or
/// FIR). Packets are built into the sending thread's <see cref="PacketBuffers"/> and protected in place: nothing is
/// allocated per packet.</summary>
internal sealed class OutboundStream
{
    private static readonly long MaxLag = Stopwatch.Frequency;        // a pump stalled longer skips frames

    // Allocated by this
    private readonly VideoEncoding? _encoding;                        // null: the microphone
    private readonly DependencyDescriptorWriter? _descriptors;
    private readonly byte[] _mid;
    private readonly byte[] _rid;
    private readonly long _interval;                                  // Stopwatch ticks between frames (or audio packets)
    private readonly uint _timestampStep;
    private readonly double _packetsPerFrame;
    private readonly long _keyframeInterval;                          // 0: keyframes only on request
    private readonly bool _voice;
    private ushort _sequence;
    private uint _timestamp;
    private long _nextDue;
    private long _nextKeyframe;
    private int _framesSinceKeyframe = -1;                            // the first frame is a keyframe
    private ushort _frameNumber;
    private double _carry;
    private volatile bool _keyframeRequested;
    private long _packets;
    private long _keyframes;
    private long _keyframeRequests;
    private long _sendFailures;
    private long _skippedFrames;

    /// <summary>The microphone of publisher <paramref name="publisher"/>.</summary>
    public OutboundStream(int publisher, double rateScale)
        : this(publisher, PayloadTag.Audio, null, MediaProfile.AudioPacketsPerSecond * rateScale, MediaProfile.AudioClockRate, 1, 0)
    {
        _voice = publisher == 0;                                         // one participant speaks, the others are quiet
    }

    /// <summary>Encoding <paramref name="layer"/> of the camera of publisher <paramref name="publisher"/>.</summary>
    public OutboundStream(int publisher, int layer, double rateScale, int keyframeIntervalSeconds)
        : this(publisher, (byte)(layer + 1), MediaProfile.Encodings[layer], MediaProfile.Encodings[layer].FramesPerSecond,
            MediaProfile.VideoClockRate, MediaProfile.Encodings[layer].PacketsPerSecond * rateScale / MediaProfile.Encodings[layer].FramesPerSecond,
            keyframeIntervalSeconds)
    {
    }

    private OutboundStream(int publisher, byte kind, VideoEncoding? encoding, double eventsPerSecond, int clockRate, double packetsPerFrame, int keyframeIntervalSeconds)
    {
        Publisher = publisher;
        Kind = kind;
        _encoding = encoding;
        _descriptors = encoding is null ? null : new DependencyDescriptorWriter(MediaProfile.TemporalLayers, encoding.Width, encoding.Height);
        _mid = Encoding.ASCII.GetBytes(encoding is null ? MediaProfile.AudioMid : MediaProfile.VideoMid);
        _rid = Encoding.ASCII.GetBytes(encoding?.Rid ?? "");
        _interval = (long)(Stopwatch.Frequency / eventsPerSecond);
        _timestampStep = (uint)(clockRate / eventsPerSecond);
        _packetsPerFrame = packetsPerFrame;
        _keyframeInterval = keyframeIntervalSeconds * Stopwatch.Frequency;
        Ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        _sequence = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
        _timestamp = (uint)Random.Shared.NextInt64(uint.MaxValue + 1L);
    }

    public int Publisher { get; }

    /// <summary><see cref="PayloadTag"/> kind: 0 audio, 1 + the encoding's index.</summary>
    public byte Kind { get; }

    public uint Ssrc { get; }

    public long PacketsSent => Interlocked.Read(ref _packets);

    public long KeyframesSent => Interlocked.Read(ref _keyframes);

    /// <summary>PLIs and FIRs received for this stream.</summary>
    public long KeyframeRequests => Interlocked.Read(ref _keyframeRequests);

    /// <summary>Packets the transport did not send (not connected, closed, socket error).</summary>
    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Frames skipped because the sending thread fell more than a second behind.</summary>
    public long SkippedFrames => Interlocked.Read(ref _skippedFrames);

    /// <summary>Starts sending at <paramref name="now"/> plus a random phase, so streams do not all tick together.</summary>
    public void Start(long now, Random random)
    {
        _nextDue = now + random.NextInt64(_interval);
        _nextKeyframe = _nextDue + _keyframeInterval;
    }

    /// <summary>RFC 4585 §6.3.1 PLI / RFC 5104 §4.3.1 FIR: the next frame is a keyframe. Any thread.</summary>
    public void RequestKeyframe()
    {
        if (_encoding is null) return;
        _keyframeRequested = true;
        Interlocked.Increment(ref _keyframeRequests);
    }

    /// <summary>Sends every frame (or audio packet) due by <paramref name="now"/>. Sending thread only.</summary>
    public void SendDue(long now, PacketBuffers buffers, DtlsSrtpTransport transport)
    {
        if (now - _nextDue > MaxLag)
        {
            long behind = (now - _nextDue) / _interval;
            Interlocked.Add(ref _skippedFrames, behind);
            _nextDue += behind * _interval;
            _timestamp += (uint)behind * _timestampStep;
        }
        while (_nextDue <= now)
        {
            if (_encoding is null) SendAudio(buffers, transport);
            else SendFrame(now, buffers, transport);
            _nextDue += _interval;
            _timestamp += _timestampStep;
        }
    }

    private void SendAudio(PacketBuffers buffers, DtlsSrtpTransport transport)
    {
        var extensions = new RtpHeaderExtensionWriter(buffers.Extension, allowTwoByte: true);
        extensions.TryAdd(MediaProfile.MidExtensionId, _mid);
        if (extensions.TryAdd(MediaProfile.AudioLevelExtensionId, AudioLevelExtension.Length, out Span<byte> level))
            AudioLevelExtension.TryWrite(level, _voice, _voice ? (byte)30 : (byte)90);
        extensions.TryFinish(out ushort profile, out int extensionLength);
        int payload = buffers.Random.Next(MediaProfile.MinAudioPayload, MediaProfile.MaxAudioPayload + 1);
        Send(buffers, transport, profile, extensionLength, payload, marker: false, keyframe: false, payloadHeader: 0);
    }

    private void SendFrame(long now, PacketBuffers buffers, DtlsSrtpTransport transport)
    {
        double wanted = _carry + _packetsPerFrame;
        int packets = (int)wanted;
        _carry = wanted - packets;
        if (packets == 0) return;                                      // below one packet per frame: the encoder drops it
        bool keyframe = _framesSinceKeyframe < 0 || _keyframeRequested || (_keyframeInterval > 0 && now >= _nextKeyframe);
        if (keyframe)
        {
            _keyframeRequested = false;
            _framesSinceKeyframe = 0;
            _nextKeyframe = now + _keyframeInterval;
            packets = Math.Max(2, packets * MediaProfile.KeyframeSizeFactor);
            Interlocked.Increment(ref _keyframes);
        }
        else
        {
            _framesSinceKeyframe++;
        }
        for (int i = 0; i < packets; i++)
        {
            var frame = new DependencyDescriptorFrame(_frameNumber, _framesSinceKeyframe, StartOfFrame: i == 0, EndOfFrame: i == packets - 1);
            var extensions = new RtpHeaderExtensionWriter(buffers.Extension, allowTwoByte: true);
            extensions.TryAdd(MediaProfile.MidExtensionId, _mid);
            extensions.TryAdd(MediaProfile.RidExtensionId, _rid);
            if (extensions.TryAdd(MediaProfile.DescriptorExtensionId, _descriptors!.GetLength(frame), out Span<byte> descriptor))
                _descriptors.TryWrite(descriptor, frame, out _);
            extensions.TryFinish(out ushort profile, out int extensionLength);
            int size = buffers.Random.Next(MediaProfile.MinVideoPacket, MediaProfile.MaxVideoPacket + 1);
            int payload = size - RtpHeader.FixedLength - 4 - extensionLength;
            // RFC 7741 §4.2: the first byte of a VP8 payload descriptor, S set on a frame's first packet; then the VP8
            // payload header's inverse key frame flag (RFC 7741 §4.3, 0 = keyframe). Random bytes follow.
            byte payloadHeader = (byte)(i == 0 ? 0x10 : 0x00);
            Send(buffers, transport, profile, extensionLength, payload, marker: i == packets - 1, keyframe, payloadHeader);
        }
        _frameNumber++;
    }

    private void Send(PacketBuffers buffers, DtlsSrtpTransport transport, ushort extensionProfile, int extensionLength, int payload,
        bool marker, bool keyframe, byte payloadHeader)
    {
        var writer = new RtpPacketWriter
        {
            Marker = marker,
            PayloadType = _encoding is null ? MediaProfile.OpusPayloadType : MediaProfile.Vp8PayloadType,
            SequenceNumber = _sequence++,
            Timestamp = _timestamp,
            Ssrc = Ssrc,
            HasExtension = true,
            ExtensionProfile = extensionProfile,
            ExtensionData = buffers.Extension.AsSpan(0, extensionLength),
            Payload = buffers.Payload.AsSpan(0, Math.Max(payload, PayloadTag.Length + 2)),
        };
        if (!writer.TryWrite(buffers.Packet, out int length))
        {
            Interlocked.Increment(ref _sendFailures);
            return;
        }
        Span<byte> packet = buffers.Packet.AsSpan(0, length);
        if (_encoding is not null)
        {
            int start = writer.GetHeaderLength();
            packet[start] = payloadHeader;
            if (payloadHeader != 0) packet[start + 1] = keyframe ? (byte)0x00 : (byte)0x01;
        }
        PayloadTag.Write(packet, Publisher, Kind, keyframe, Stopwatch.GetTimestamp());
        if (transport.SendRtp(buffers.Packet, length) == MediaSendStatus.Sent) Interlocked.Increment(ref _packets);
        else Interlocked.Increment(ref _sendFailures);
    }
}
