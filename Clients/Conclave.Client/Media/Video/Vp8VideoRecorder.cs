using Conclave.Client.Calls;
using Conclave.Client.Media.Files;
using Conclave.E2ee.SFrame;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Client.Media.Video;

/// <summary>
/// Receives the VP8 video tracks this device subscribes to in an end-to-end encrypted call and writes each to a WebM
/// file (<c>&lt;participant&gt;.webm</c>, or <c>&lt;participant&gt;-screen.webm</c>), remuxed by ffmpeg without
/// re-encoding: RTP (after SRTP) → the frame reassembled from its packets (RFC 7741: S bit, marker, consecutive
/// sequence numbers) → SFrame decrypt with its clear uncompressed data chunk as metadata (docs/e2ee.md) → IVF into
/// <see cref="WebmRemuxer"/>. A file starts at the first keyframe (its size from the keyframe's header); after a lost
/// packet, frames are dropped until the next keyframe, which <paramref name="requestKeyframe"/> asks for (a PLI),
/// at most once a second per stream.
/// <para>Thread-safe: <see cref="OnRtp"/> runs on the receive thread, <see cref="Bind"/> on negotiation. A frame is
/// assembled in a buffer per stream, reused.</para>
/// </summary>
/// <param name="keys">The call's keys (borrowed).</param>
/// <param name="directory">Where files go; null to count only.</param>
/// <param name="tools">ffmpeg, to write files; null to count only.</param>
/// <param name="requestKeyframe">Sends a PLI for the SSRC given.</param>
public sealed class Vp8VideoRecorder(CallMediaKeys keys, string? directory, MediaTools? tools, Action<uint> requestKeyframe) : IAsyncDisposable
{
    private static readonly TimeSpan KeyframeRequestInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<uint, Track> _streams = [];
    private readonly List<Track> _all = [];
    private bool _disposed;

    /// <summary>Every video track bound so far, with counts.</summary>
    public IReadOnlyList<RecordedVideo> Tracks
    {
        get
        {
            lock (_gate)
            {
                return [.. _all.Select(s => new RecordedVideo(s.ParticipantId, s.Source, s.Output?.Path, s.Written, s.Keyframes, s.DecryptErrors,
                    s.WithoutKey, s.Dropped, s.Output?.Failure))];
            }
        }
    }

    /// <summary>Packets of <paramref name="ssrc"/> are <paramref name="participantId"/>'s <paramref name="source"/>
    /// video.</summary>
    public void Bind(uint ssrc, string participantId, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(participantId);
        ArgumentException.ThrowIfNullOrEmpty(source);
        lock (_gate)
        {
            if (_disposed || _streams.ContainsKey(ssrc)) return;
            var stream = new Track(ssrc, participantId, source);
            _streams.Add(ssrc, stream);
            _all.Add(stream);
        }
        requestKeyframe(ssrc);                                           // a picture now, not at the sender's next keyframe
    }

    /// <summary>One received RTP packet (already SRTP-authenticated and decrypted). Never throws on what peers send.</summary>
    public void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (RtpHeader.TryRead(packet, out RtpHeader header) == RtpParseStatus.Ok) OnRtp(header);
    }

    /// <summary>One received RTP packet, its header read already (a receiver hands one parse to all that listen).</summary>
    public void OnRtp(RtpHeader header)
    {
        if (header.PayloadType != ClientMediaConnection.Vp8PayloadType || header.PayloadLength == 0) return;
        bool askKeyframe;
        lock (_gate)
        {
            if (_disposed || !_streams.TryGetValue(header.Ssrc, out Track? stream)) return;
            askKeyframe = Receive(stream, header);
        }
        if (askKeyframe) requestKeyframe(header.Ssrc);
    }

    /// <summary>Ends every file (ffmpeg writes its cues) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        List<WebmRemuxer> outputs;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            outputs = [.. _all.Select(s => s.Output).OfType<WebmRemuxer>()];
        }
        foreach (WebmRemuxer output in outputs) await output.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Adds the packet to its frame; true when a keyframe should be asked for.</summary>
    private bool Receive(Track s, RtpHeader header)
    {
        if (!Vp8PayloadDescriptor.TryRead(header.Payload, out int descriptor, out bool start)) return false;
        ReadOnlySpan<byte> data = header.Payload[descriptor..];
        // A sequence number skipped is a packet lost (or late): the frame it belonged to, and every frame after it
        // until a keyframe, cannot be decoded.
        bool lost = s.HasSequence && header.SequenceNumber != (ushort)(s.LastSequence + 1);
        s.LastSequence = header.SequenceNumber;
        s.HasSequence = true;
        bool ask = false;
        if (lost)
        {
            Abandon(s);
            s.WaitingForKeyframe = true;
            ask = ShouldAsk(s);
        }
        if (start)
        {
            Abandon(s);                                                   // (only after a loss: it would have ended)
            s.Assembling = true;
            s.Length = 0;
            s.Timestamp = header.Timestamp;
        }
        else if (!s.Assembling || header.Timestamp != s.Timestamp)
        {
            Abandon(s);
            return ask;
        }
        if (s.Length + data.Length > Vp8VideoSender.MaxFrameLength)
        {
            Abandon(s);
            return ask;
        }
        if (s.Buffer.Length < s.Length + data.Length) Array.Resize(ref s.Buffer, Math.Max(s.Length + data.Length, s.Buffer.Length * 2));
        data.CopyTo(s.Buffer.AsSpan(s.Length));
        s.Length += data.Length;
        if (!header.Marker) return ask;
        s.Assembling = false;
        return Complete(s) || ask;
    }

    /// <summary>Drops the frame being assembled, if any.</summary>
    private static void Abandon(Track s)
    {
        if (!s.Assembling) return;
        s.Assembling = false;
        s.Dropped++;
    }

    /// <summary>Decrypts and writes the frame assembled; true when a keyframe should be asked for.</summary>
    private bool Complete(Track s)
    {
        Span<byte> frame = s.Buffer.AsSpan(0, s.Length);
        int clear = Vp8Frame.ClearPrefixLength(frame);
        if (clear < 0)
        {
            s.DecryptErrors++;
            return false;
        }
        if (s.Plain.Length < frame.Length) Array.Resize(ref s.Plain, Math.Max(frame.Length, s.Plain.Length * 2));
        frame[..clear].CopyTo(s.Plain);
        SFrameStatus status = keys.Decrypt(frame[clear..], frame[..clear], s.Plain.AsSpan(clear), out int plain, out _);
        if (status == SFrameStatus.UnknownKey)
        {
            s.WithoutKey++;
            return false;
        }
        if (status != SFrameStatus.Ok)
        {
            s.DecryptErrors++;
            return false;
        }
        ReadOnlySpan<byte> vp8 = s.Plain.AsSpan(0, clear + plain);
        bool keyframe = Vp8Frame.IsKeyframe(vp8);
        if (s.WaitingForKeyframe && !keyframe)
        {
            s.Dropped++;
            return ShouldAsk(s);
        }
        if (keyframe && s.Output is null && directory is not null && tools is not null)
        {
            (int width, int height) = IvfWriter.KeyframeSize(vp8);
            string name = string.Concat(s.ParticipantId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
            s.Output = new WebmRemuxer(Path.Combine(directory, s.Source == "camera" ? name + ".webm" : $"{name}-{s.Source}.webm"), width, height, tools);
            s.FirstTimestamp = s.Timestamp;
        }
        s.FirstTimestamp ??= s.Timestamp;
        long presentation = unchecked((int)(s.Timestamp - s.FirstTimestamp.Value));
        if (s.Output is not null && !s.Output.TryWrite(vp8, Math.Max(0, presentation)))
        {
            s.Dropped++;                                                  // ffmpeg fell behind: start again at a keyframe
            s.WaitingForKeyframe = true;
            return ShouldAsk(s);
        }
        s.WaitingForKeyframe = false;
        s.Written++;
        if (keyframe) s.Keyframes++;
        return false;
    }

    private static bool ShouldAsk(Track s)
    {
        long now = Environment.TickCount64;
        if (now - s.LastKeyframeRequest < (long)KeyframeRequestInterval.TotalMilliseconds) return false;
        s.LastKeyframeRequest = now;
        return true;
    }

    private sealed class Track(uint ssrc, string participantId, string source)
    {
        public uint Ssrc { get; } = ssrc;
        public string ParticipantId { get; } = participantId;
        public string Source { get; } = source;
        public byte[] Buffer = new byte[64 * 1024];
        public byte[] Plain = new byte[64 * 1024];
        public int Length;
        public bool Assembling, HasSequence, WaitingForKeyframe = true;
        public ushort LastSequence;
        public uint Timestamp;
        public uint? FirstTimestamp;
        public long LastKeyframeRequest = long.MinValue / 2;
        public WebmRemuxer? Output;
        public long Written, Keyframes, DecryptErrors, WithoutKey, Dropped;
    }
}
