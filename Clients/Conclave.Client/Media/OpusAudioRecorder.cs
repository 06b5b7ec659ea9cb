using Concentus;
using Conclave.Client.Calls;
using Conclave.E2ee.SFrame;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Client.Media;

/// <summary>
/// Receives the Opus audio tracks this device subscribes to in an end-to-end encrypted call and writes each
/// participant's audio to its own WAV file (48 kHz mono 16-bit): RTP (after SRTP) → SFrame decrypt with the sender's
/// key (docs/e2ee.md) → Concentus decode → PCM. Streams are bound to participants by SSRC, from the SFU's answer
/// (<c>a=ssrc</c> of each subscribed section, docs/signaling.md "Media"); packets of other SSRCs are ignored.
/// <para>Time gaps in a stream (DTX, loss) are filled with silence up to <see cref="MaxGap"/>, so the file keeps the
/// stream's timing. Thread-safe: <see cref="OnRtp"/> runs on the receive thread, <see cref="Bind"/> on negotiation.</para>
/// </summary>
public sealed class OpusAudioRecorder : IDisposable
{
    /// <summary>The longest gap filled with silence; a longer one (a pause of the sender) is written as this.</summary>
    public static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(5);

    private const int MaxGapSamples = OpusAudioSender.SampleRate * 5;

    private readonly Lock _gate = new();
    private readonly CallMediaKeys _keys;                              // Borrowed
    private readonly string? _directory;
    private readonly Dictionary<uint, string> _streams = [];          // SSRC → participant
    private readonly Dictionary<string, Participant> _participants = new(StringComparer.Ordinal);   // Owned
    private readonly short[] _pcm = new short[OpusAudioSender.FrameSamples * 6];      // up to 120 ms (RFC 6716 §2.1.4)
    private readonly byte[] _plain = new byte[1500];
    private bool _disposed;

    /// <summary>A recorder writing <c>&lt;participant&gt;.wav</c> into <paramref name="directory"/> (created if
    /// needed), or counting only when it is null.</summary>
    public OpusAudioRecorder(CallMediaKeys keys, string? directory)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _directory = directory;
        if (directory is not null) Directory.CreateDirectory(directory);
    }

    /// <summary>Every participant heard so far (or bound), with counts.</summary>
    public IReadOnlyList<RecordedParticipant> Participants
    {
        get
        {
            lock (_gate)
            {
                return [.. _participants.Values.Select(p => new RecordedParticipant(p.Id, p.Wav?.Path, p.Decoded, p.DecryptErrors, p.DecodeErrors, p.WithoutKey, p.Samples))];
            }
        }
    }

    /// <summary>Packets of <paramref name="ssrc"/> are <paramref name="participantId"/>'s audio.</summary>
    public void Bind(uint ssrc, string participantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(participantId);
        lock (_gate)
        {
            if (_disposed) return;
            _streams[ssrc] = participantId;
            if (!_participants.ContainsKey(participantId)) _participants.Add(participantId, new Participant(participantId, Open(participantId)));
        }
    }

    /// <summary>One received RTP packet (already SRTP-authenticated and decrypted). Never throws on what peers send.</summary>
    public void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (RtpHeader.TryRead(packet, out RtpHeader header) == RtpParseStatus.Ok) OnRtp(header);
    }

    /// <summary>One received RTP packet, its header read already (a receiver hands one parse to all that listen).</summary>
    public void OnRtp(RtpHeader header)
    {
        if (header.PayloadType != ClientMediaConnection.OpusPayloadType || header.PayloadLength == 0) return;
        lock (_gate)
        {
            if (_disposed || !_streams.TryGetValue(header.Ssrc, out string? id)) return;
            Participant p = _participants[id];
            ReadOnlySpan<byte> payload = header.Payload;
            if (payload.Length > _plain.Length) { p.DecryptErrors++; return; }
            SFrameStatus status = _keys.Decrypt(payload, _plain, out int plainLength, out _);
            if (status == SFrameStatus.UnknownKey) { p.WithoutKey++; return; }
            if (status != SFrameStatus.Ok) { p.DecryptErrors++; return; }

            // Fill the time since the stream's last frame (RFC 3550 §5.1: the timestamp counts samples) with silence.
            if (p.LastSsrc == header.Ssrc && p.NextTimestamp is uint expected)
            {
                int gap = unchecked((int)(header.Timestamp - expected));
                if (gap < 0) return;                                  // late or repeated: already past it
                if (gap > 0) p.WriteSilence(Math.Min(gap, MaxGapSamples));
            }
            int samples;
            try
            {
                samples = p.Decoder.Decode(_plain.AsSpan(0, plainLength), _pcm, _pcm.Length, false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OpusException)
            {
                p.DecodeErrors++;                                     // authentic but undecodable: counted, not thrown
                return;
            }
            if (samples <= 0) return;
            p.Write(_pcm.AsSpan(0, samples));
            p.Decoded++;
            p.LastSsrc = header.Ssrc;
            p.NextTimestamp = header.Timestamp + (uint)samples;
        }
    }

    /// <summary>Closes every file, with its final header. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Participant p in _participants.Values) p.Dispose();
        }
    }

    private WavFileWriter? Open(string participantId)
    {
        if (_directory is null) return null;
        string safe = string.Concat(participantId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return new WavFileWriter(Path.Combine(_directory, safe + ".wav"));
    }

    private sealed class Participant(string id, WavFileWriter? wav) : IDisposable
    {
        public string Id { get; } = id;
        public WavFileWriter? Wav { get; } = wav;                     // Owned
        public IOpusDecoder Decoder { get; } = OpusCodecFactory.CreateDecoder(OpusAudioSender.SampleRate, 1);   // Owned
        public long Decoded, DecryptErrors, DecodeErrors, WithoutKey, Samples;
        public uint LastSsrc;
        public uint? NextTimestamp;

        public void Write(ReadOnlySpan<short> pcm)
        {
            Wav?.Write(pcm);
            Samples += pcm.Length;
        }

        public void WriteSilence(int count)
        {
            Wav?.WriteSilence(count);
            Samples += count;
        }

        public void Dispose()
        {
            Wav?.Dispose();
            Decoder.Dispose();
        }
    }
}
