using System.Security.Cryptography;
using Concentus;
using Concentus.Enums;
using Conclave.Client.Calls;
using Conclave.E2ee.SFrame;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Client.Media;

/// <summary>
/// One outgoing Opus audio stream of an end-to-end encrypted call: 20 ms frames of 48 kHz mono 16-bit PCM are encoded
/// with Concentus (VOIP application), each whole Opus frame is SFrame-encrypted with the call's current send key
/// (docs/e2ee.md, "Audio"; a frame with no key yet is dropped, never sent in clear), and carried in RTP as RFC 7587
/// says, with the mid (RFC 8843 §15) and audio level (RFC 6464) header extensions.
/// <code>
///   PT 111, clock 48 kHz (RFC 7587 §4.1), timestamp + 960 per 20 ms frame, sent or not (RFC 3550 §5.1)
///   M = 1 on the first packet after frames that were not sent: the start of a talkspurt (RFC 3551 §4.1)
///   extensions (RFC 8285 §4.2, one-byte form): mid = the section's mid; audio level = the frame's level in -dBov, V bit
/// </code>
/// Calls are not thread-safe: one pacing loop sends. Allocates nothing per frame.
/// </summary>
public sealed class OpusAudioSender : IDisposable
{
    /// <summary>The sample rate of the PCM and of the RTP clock (RFC 7587 §4.1).</summary>
    public const int SampleRate = 48000;

    /// <summary>Samples in one 20 ms frame, and the RTP timestamp step per frame.</summary>
    public const int FrameSamples = 960;

    /// <summary>The frame duration.</summary>
    public static readonly TimeSpan FrameDuration = TimeSpan.FromMilliseconds(20);

    /// <summary>The largest Opus frame asked of the encoder (RFC 7587 §3.1.1 allows more; 20 ms speech is far smaller).</summary>
    public const int MaxOpusFrame = 1000;

    // Allocated by this
    private readonly IOpusEncoder _encoder;                           // Owned
    private readonly CallMediaKeys _keys;                             // Borrowed
    private readonly byte[] _opus = new byte[MaxOpusFrame];
    private readonly byte[] _packet = new byte[1500];
    private readonly byte[] _midValue;
    private readonly byte _midId, _levelId;
    private ushort _sequence;
    private uint _timestamp;
    private bool _previousSent;
    private long _sent, _withoutKey, _silent, _failed, _skipped;

    /// <summary>A stream with a random SSRC, sequence number and timestamp (RFC 3550 §5.1).</summary>
    /// <param name="keys">The call's keys (borrowed): frames go out under its current send key.</param>
    /// <param name="mid">The mid of the section that publishes it (RFC 8843 §15).</param>
    /// <param name="midExtensionId">The offer's id of the mid extension.</param>
    /// <param name="audioLevelExtensionId">The offer's id of the audio level extension; 0 to leave it out.</param>
    /// <param name="dtx">Discontinuous transmission: frames of silence are not sent (RFC 7587 §3.1.3).</param>
    /// <param name="bitrate">The encoder's target bitrate in bit/s.</param>
    /// <param name="complexity">The encoder's complexity, 0 (cheapest) to 10 (best).</param>
    public OpusAudioSender(CallMediaKeys keys, string mid, int midExtensionId, int audioLevelExtensionId, bool dtx = false, int bitrate = 32_000,
        int complexity = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(complexity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(complexity, 10);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(mid);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mid.Length, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(midExtensionId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(midExtensionId, 14);
        ArgumentOutOfRangeException.ThrowIfNegative(audioLevelExtensionId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(audioLevelExtensionId, 14);
        _keys = keys;
        _midValue = System.Text.Encoding.ASCII.GetBytes(mid);
        _midId = (byte)midExtensionId;
        _levelId = (byte)audioLevelExtensionId;
        Dtx = dtx;
        _encoder = OpusCodecFactory.CreateEncoder(SampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP);
        _encoder.Bitrate = bitrate;
        _encoder.UseDTX = dtx;
        _encoder.Complexity = complexity;
        _encoder.UseInbandFEC = true;                                 // the offer says useinbandfec=1
        Ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
        _sequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        _timestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    /// <summary>The stream's SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>Whether silent frames are left out.</summary>
    public bool Dtx { get; }

    /// <summary>Frames sent.</summary>
    public long FramesSent => Interlocked.Read(ref _sent);

    /// <summary>Frames dropped for want of a key.</summary>
    public long FramesWithoutKey => Interlocked.Read(ref _withoutKey);

    /// <summary>Frames of silence not sent (DTX).</summary>
    public long FramesSilent => Interlocked.Read(ref _silent);

    /// <summary>Frames whose time passed unsent because the pacing loop fell behind (<see cref="Skip"/>).</summary>
    public long FramesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Frames that failed to encode, encrypt or send.</summary>
    public long FramesFailed => Interlocked.Read(ref _failed);

    /// <summary>Encodes, encrypts and sends one frame through <paramref name="transport"/>'s SRTP.</summary>
    public AudioSendStatus Send(ReadOnlySpan<short> pcm, DtlsSrtpTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        AudioSendStatus status = TryWritePacket(pcm, _packet, out int length);
        if (status != AudioSendStatus.Sent) return status;
        if (transport.SendRtp(_packet, length) == MediaSendStatus.Sent) return AudioSendStatus.Sent;
        Interlocked.Increment(ref _failed);
        return AudioSendStatus.NotSent;
    }

    /// <summary>
    /// Encodes one 20 ms frame (<see cref="FrameSamples"/> samples) and writes the RTP packet of its SFrame ciphertext
    /// into <paramref name="packet"/> (leave room for SRTP's tag after it). The timestamp moves on by one frame whatever
    /// the outcome.
    /// </summary>
    public AudioSendStatus TryWritePacket(ReadOnlySpan<short> pcm, Span<byte> packet, out int length)
    {
        if (pcm.Length != FrameSamples) throw new ArgumentException($"a frame is {FrameSamples} samples", nameof(pcm));
        length = 0;
        uint timestamp = _timestamp;
        _timestamp += FrameSamples;
        AudioSendStatus status = Write(pcm, timestamp, packet, out length);
        switch (status)
        {
            case AudioSendStatus.Sent: Interlocked.Increment(ref _sent); break;
            case AudioSendStatus.NoKey: Interlocked.Increment(ref _withoutKey); break;
            case AudioSendStatus.Silent: Interlocked.Increment(ref _silent); break;
            default: Interlocked.Increment(ref _failed); break;
        }
        _previousSent = status == AudioSendStatus.Sent;
        return status;
    }

    /// <summary>Skips <paramref name="frames"/> frames (the pacing loop fell behind): their time passes unsent, and the
    /// next packet starts a talkspurt.</summary>
    public void Skip(int frames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        _timestamp += (uint)(frames * FrameSamples);
        Interlocked.Add(ref _skipped, frames);
        if (frames > 0) _previousSent = false;
    }

    public void Dispose() => _encoder.Dispose();

    private AudioSendStatus Write(ReadOnlySpan<short> pcm, uint timestamp, Span<byte> packet, out int length)
    {
        length = 0;
        int encoded;
        try
        {
            encoded = _encoder.Encode(pcm, FrameSamples, _opus, _opus.Length);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OpusException)
        {
            return AudioSendStatus.EncodeFailed;
        }
        if (encoded <= 0) return AudioSendStatus.EncodeFailed;
        // RFC 7587 §3.1.3: with DTX the encoder marks silence with frames of 1-2 bytes (a TOC and no data); they are
        // not sent, and the receiver conceals the gap.
        if (Dtx && encoded <= 2) return AudioSendStatus.Silent;
        if (!_keys.CanSend) return AudioSendStatus.NoKey;

        byte level = AudioLevelMeter.Measure(pcm);
        Span<byte> extension = stackalloc byte[32];
        var extensions = new RtpHeaderExtensionWriter(extension, allowTwoByte: false);
        extensions.TryAdd(_midId, _midValue);
        if (_levelId != 0)
        {
            Span<byte> value = stackalloc byte[AudioLevelExtension.Length];
            AudioLevelExtension.TryWrite(value, AudioLevelMeter.IsVoice(level), level);
            extensions.TryAdd(_levelId, value);
        }
        if (!extensions.TryFinish(out ushort profile, out int extensionLength)) return AudioSendStatus.EncryptFailed;
        var writer = new RtpPacketWriter
        {
            Marker = !_previousSent,                                  // RFC 3551 §4.1: first packet of a talkspurt
            PayloadType = (byte)ClientMediaConnection.OpusPayloadType,
            SequenceNumber = _sequence,
            Timestamp = timestamp,
            Ssrc = Ssrc,
            HasExtension = true,
            ExtensionProfile = profile,
            ExtensionData = extension[..extensionLength],
        };
        if (!writer.TryWrite(packet, out int header)) return AudioSendStatus.EncryptFailed;
        // docs/e2ee.md "Audio": the whole Opus frame is the SFrame plaintext, with no metadata.
        SFrameStatus sealedStatus = _keys.Encrypt(_opus.AsSpan(0, encoded), packet[header..], out int ciphertext);
        if (sealedStatus == SFrameStatus.NoKey) return AudioSendStatus.NoKey;
        if (sealedStatus != SFrameStatus.Ok) return AudioSendStatus.EncryptFailed;
        _sequence++;
        length = header + ciphertext;
        return AudioSendStatus.Sent;
    }
}
