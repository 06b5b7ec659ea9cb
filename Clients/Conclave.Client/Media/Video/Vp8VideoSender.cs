using System.Security.Cryptography;
using Conclave.Client.Calls;
using Conclave.E2ee.SFrame;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Client.Media.Video;

/// <summary>Takes one RTP packet, the first <paramref name="length"/> bytes of <paramref name="buffer"/>; false when it
/// could not be sent.</summary>
public delegate bool RtpPacketSink(Span<byte> buffer, int length);

/// <summary>
/// One outgoing VP8 video stream of an end-to-end encrypted call: each encoded frame keeps its uncompressed data chunk
/// in clear and the rest is SFrame-encrypted with it as metadata (docs/e2ee.md, "VP8 video"; no key, no frame), then
/// split into RTP packets as RFC 7741 says, with the mid extension (RFC 8843 §15).
/// <code>
///   PT 96, clock 90 kHz (RFC 7741 §4.1); every packet of a frame has its timestamp; M = 1 on its last packet
///   payload = VP8 payload descriptor (4 bytes, <see cref="Vp8PayloadDescriptor"/>) + a piece of (clear prefix || SFrame)
/// </code>
/// Safe to call from several threads (frames are sent one at a time). Allocates only when a frame is larger than any
/// before it.
/// </summary>
public sealed class Vp8VideoSender
{
    /// <summary>The RTP clock of video (RFC 7741 §4.1).</summary>
    public const int ClockRate = 90_000;

    /// <summary>The largest frame sent: larger ones are dropped as malformed.</summary>
    public const int MaxFrameLength = 4 * 1024 * 1024;

    /// <summary>Payload bytes per packet (descriptor included): packets stay near 1,150 bytes with header and SRTP tag.</summary>
    public const int MaxPayloadLength = 1100;

    private readonly Lock _gate = new();
    private readonly CallMediaKeys _keys;                             // Borrowed
    private readonly byte[] _midValue;
    private readonly byte _midId;
    private readonly byte[] _packet = new byte[1500];
    private readonly byte[] _payload = new byte[MaxPayloadLength];
    private byte[] _sealed = new byte[64 * 1024];
    private (DtlsSrtpTransport Transport, RtpPacketSink Sink)? _transportSink;
    private ushort _sequence, _pictureId;
    private long _sent, _keyframes, _withoutKey, _failed;

    /// <summary>A stream with a random SSRC, sequence number and picture id (RFC 3550 §5.1).</summary>
    /// <param name="keys">The call's keys (borrowed).</param>
    /// <param name="mid">The mid of the section that publishes it.</param>
    /// <param name="midExtensionId">The offer's id of the mid extension.</param>
    public Vp8VideoSender(CallMediaKeys keys, string mid, int midExtensionId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(mid);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mid.Length, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(midExtensionId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(midExtensionId, 14);
        _keys = keys;
        _midValue = System.Text.Encoding.ASCII.GetBytes(mid);
        _midId = (byte)midExtensionId;
        Ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
        _sequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _pictureId = (ushort)RandomNumberGenerator.GetInt32(0x8000);
    }

    /// <summary>The stream's SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>Frames sent.</summary>
    public long FramesSent => Interlocked.Read(ref _sent);

    /// <summary>Keyframes among them.</summary>
    public long KeyframesSent => Interlocked.Read(ref _keyframes);

    /// <summary>Frames dropped for want of a key.</summary>
    public long FramesWithoutKey => Interlocked.Read(ref _withoutKey);

    /// <summary>Frames malformed, not encrypted or not sent.</summary>
    public long FramesFailed => Interlocked.Read(ref _failed);

    /// <summary>Encrypts <paramref name="frame"/> (one encoded VP8 frame) and sends it with RTP timestamp
    /// <paramref name="timestamp"/> through <paramref name="transport"/>'s SRTP.</summary>
    public VideoSendStatus Send(ReadOnlySpan<byte> frame, uint timestamp, DtlsSrtpTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        (DtlsSrtpTransport Transport, RtpPacketSink Sink)? current = _transportSink;
        if (current is not { } known || !ReferenceEquals(known.Transport, transport))
        {
            current = (transport, (packet, length) => transport.SendRtp(packet, length) == MediaSendStatus.Sent);   // once per transport
            _transportSink = current;
        }
        return Send(frame, timestamp, current.Value.Sink);
    }

    /// <summary>As <see cref="Send(ReadOnlySpan{byte}, uint, DtlsSrtpTransport)"/>, handing each RTP packet to
    /// <paramref name="sink"/> (which may encrypt it in place: the buffer has room for an SRTP tag).</summary>
    public VideoSendStatus Send(ReadOnlySpan<byte> frame, uint timestamp, RtpPacketSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            VideoSendStatus status = SendLocked(frame, timestamp, sink);
            switch (status)
            {
                case VideoSendStatus.Sent:
                    Interlocked.Increment(ref _sent);
                    if (Vp8Frame.IsKeyframe(frame)) Interlocked.Increment(ref _keyframes);
                    break;
                case VideoSendStatus.NoKey: Interlocked.Increment(ref _withoutKey); break;
                default: Interlocked.Increment(ref _failed); break;
            }
            return status;
        }
    }

    private VideoSendStatus SendLocked(ReadOnlySpan<byte> frame, uint timestamp, RtpPacketSink sink)
    {
        int clear = Vp8Frame.ClearPrefixLength(frame);
        if (clear < 0 || frame.Length > MaxFrameLength) return VideoSendStatus.Malformed;
        if (!_keys.CanSend) return VideoSendStatus.NoKey;

        // clear prefix || SFrame(rest, metadata = the prefix)
        int capacity = frame.Length + _keys.MaxOverhead;
        if (_sealed.Length < capacity) _sealed = new byte[Math.Max(capacity, _sealed.Length * 2)];
        frame[..clear].CopyTo(_sealed);
        SFrameStatus encrypted = _keys.Encrypt(frame[clear..], frame[..clear], _sealed.AsSpan(clear), out int ciphertext);
        if (encrypted == SFrameStatus.NoKey) return VideoSendStatus.NoKey;
        if (encrypted != SFrameStatus.Ok) return VideoSendStatus.EncryptFailed;
        ReadOnlySpan<byte> payload = _sealed.AsSpan(0, clear + ciphertext);

        Span<byte> extension = stackalloc byte[32];
        var extensions = new RtpHeaderExtensionWriter(extension, allowTwoByte: false);
        extensions.TryAdd(_midId, _midValue);
        if (!extensions.TryFinish(out ushort profile, out int extensionLength)) return VideoSendStatus.EncryptFailed;

        const int chunk = MaxPayloadLength - Vp8PayloadDescriptor.Length;
        ushort pictureId = _pictureId;
        _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
        for (int at = 0; at < payload.Length; at += chunk)
        {
            int length = Math.Min(chunk, payload.Length - at);
            Vp8PayloadDescriptor.Write(_payload, startOfFrame: at == 0, pictureId);
            payload.Slice(at, length).CopyTo(_payload.AsSpan(Vp8PayloadDescriptor.Length));
            var writer = new RtpPacketWriter
            {
                Marker = at + length == payload.Length,                // RFC 7741 §4.1: the last packet of the frame
                PayloadType = (byte)ClientMediaConnection.Vp8PayloadType,
                SequenceNumber = _sequence++,
                Timestamp = timestamp,
                Ssrc = Ssrc,
                HasExtension = true,
                ExtensionProfile = profile,
                ExtensionData = extension[..extensionLength],
                Payload = _payload.AsSpan(0, Vp8PayloadDescriptor.Length + length),
            };
            if (!writer.TryWrite(_packet, out int written) || !sink(_packet, written)) return VideoSendStatus.NotSent;
        }
        return VideoSendStatus.Sent;
    }
}
