using Conclave.Client.Media;
using Conclave.Client.Media.Video;
using Conclave.E2ee.Identity;
using Conclave.Media.Transport.Rtcp;
using RtpHeader = Conclave.Media.Transport.Rtp.RtpHeader;
using RtpParseStatus = Conclave.Media.Transport.Rtp.RtpParseStatus;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Sdp;
using Conclave.Signaling.Protocol;

namespace Conclave.Client.Calls;

/// <summary>
/// A participant without a browser (an announcement bot, a recording station, a load generator) in a room's end-to-end
/// encrypted call: it joins with a signed membership and takes part in the key protocol (<see cref="EncryptedCall"/>),
/// publishes a microphone (<see cref="OpusAudioSender"/>, paced in real time) and a camera (<see cref="Vp8VideoSender"/>
/// from an <see cref="IVideoSource"/>, a keyframe asked of it on PLI or FIR), and subscribes to every other
/// participant's audio (<see cref="OpusAudioRecorder"/>) and, when told, video (<see cref="Vp8VideoRecorder"/>),
/// negotiating with the SFU as docs/signaling.md "Media" says: it always offers, one BUNDLE on one
/// <see cref="ClientMediaConnection"/>, and offers again whenever a <c>tracks</c> event changes what it should receive
/// (a section whose track ended is kept, inactive, and reused for the next track of its kind).
/// <para>Dispose leaves the call (with a signed leave statement) and stops everything; the signaling client is borrowed.</para>
/// </summary>
public sealed class CallBot : IAsyncDisposable
{
    /// <summary>The mid of the microphone section.</summary>
    public const string MicrophoneMid = "0";

    /// <summary>The mid of the camera section.</summary>
    public const string CameraMid = "1";

    /// <summary>The offer's id of the audio level extension (RFC 6464); the mid's is <see cref="ClientMediaConnection.MidExtensionId"/>.</summary>
    public const int AudioLevelExtensionId = 2;

    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(5);

    // Passed by argument
    private readonly SignalingClient _signaling;                       // Borrowed
    private readonly CallBotOptions _options;
    // Allocated by this
    private readonly CallMediaKeys _keys;                              // Owned
    private readonly ClientMediaConnection _media;                     // Owned
    private readonly OpusAudioSender? _microphone;                     // Owned
    private readonly Vp8VideoSender? _camera;
    private readonly OpusAudioRecorder? _recorder;                     // Owned
    private readonly Vp8VideoRecorder? _videoRecorder;                 // Owned
    private readonly uint _rtcpSsrc = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private readonly ReceiverFeedback? _feedback;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _negotiation = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Slot> _slots = [];                           // receiving sections, in offer order
    private readonly TaskCompletionSource _playbackEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _videoEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EncryptedCall _call = null!;                               // Owned
    private Task _events = Task.CompletedTask;
    private Task _playback = Task.CompletedTask;
    private Task _video = Task.CompletedTask;
    private Task _reports = Task.CompletedTask;
    private bool _connected, _left;
    private int _negotiations, _disposed;
    private long _keyframeRequests;
    private Exception? _lastError;
    private string? _activeSpeaker;

    private CallBot(SignalingClient signaling, CallBotOptions options)
    {
        _signaling = signaling;
        _options = options;
        _keys = new CallMediaKeys();
        _media = new ClientMediaConnection(options.LocalAddress, new MediaHandler(this));
        if (options.Microphone is not null)
            _microphone = new OpusAudioSender(_keys, MicrophoneMid, ClientMediaConnection.MidExtensionId, AudioLevelExtensionId, options.Dtx, options.Bitrate, options.Complexity);
        if (options.Camera is not null) _camera = new Vp8VideoSender(_keys, CameraMid, ClientMediaConnection.MidExtensionId);
        if (options.Listen)
        {
            _recorder = new OpusAudioRecorder(_keys, options.RecordDirectory);
            _feedback = new ReceiverFeedback(_rtcpSsrc);
        }
        if (options.Listen && options.RecordVideo is { } tools) _videoRecorder = new Vp8VideoRecorder(_keys, options.RecordDirectory, tools, RequestKeyframe);
    }

    /// <summary>The call: its keys, roster and <c>joined</c> reply.</summary>
    public EncryptedCall Call => _call;

    /// <summary>This bot's session id in the call.</summary>
    public string SessionId => _call.Joined.SessionId;

    /// <summary>The SFrame keys this bot sends and receives with.</summary>
    public CallMediaKeys Keys => _keys;

    /// <summary>The microphone stream and its counters, or null when the bot publishes nothing.</summary>
    public OpusAudioSender? Microphone => _microphone;

    /// <summary>The camera stream and its counters, or null when the bot publishes no video.</summary>
    public Vp8VideoSender? Camera => _camera;

    /// <summary>What the bot received of each participant's audio so far.</summary>
    public IReadOnlyList<RecordedParticipant> Recorded => _recorder?.Participants ?? [];

    /// <summary>PLIs and FIRs for the camera received so far.</summary>
    public long KeyframeRequests => Interlocked.Read(ref _keyframeRequests);

    /// <summary>What the bot received of each participant's video so far (with <see cref="CallBotOptions.RecordVideo"/>).</summary>
    public IReadOnlyList<RecordedVideo> RecordedVideos => _videoRecorder?.Tracks ?? [];

    /// <summary>Offers answered so far.</summary>
    public int Negotiations => Volatile.Read(ref _negotiations);

    /// <summary>The last failure of a renegotiation or of playback, if any (the bot carries on).</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>Who the SFU last said speaks (<c>active-speaker</c>, from the RFC 6464 levels), or null.</summary>
    public string? ActiveSpeaker => Volatile.Read(ref _activeSpeaker);

    /// <summary>Completes when the microphone's and the camera's sources have ended (or the bot stopped).</summary>
    public Task PlaybackEnded => Task.WhenAll(_playbackEnded.Task, _videoEnded.Task);

    /// <summary>
    /// Joins <paramref name="room"/>'s call on <paramref name="signaling"/> (connected, its user's device keys being
    /// <paramref name="identity"/>'s public keys), then negotiates media and starts playing and listening.
    /// </summary>
    public static async Task<CallBot> JoinAsync(SignalingClient signaling, DeviceIdentity identity, string room, CallBotOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signaling);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrEmpty(room);
        var bot = new CallBot(signaling, options ?? new CallBotOptions());
        try
        {
            bot._call = await EncryptedCall.JoinAsync(signaling, identity, room, bot._keys, cancellationToken: cancellationToken).ConfigureAwait(false);
            await bot.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            bot._events = Task.Run(bot.ReadEventsAsync, CancellationToken.None);
            return bot;
        }
        catch
        {
            await bot.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops playing, leaves the call with a signed leave statement, and closes the media connection.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await QuietlyAsync(_playback).ConfigureAwait(false);
        await QuietlyAsync(_video).ConfigureAwait(false);
        await QuietlyAsync(_reports).ConfigureAwait(false);
        await QuietlyAsync(_events).ConfigureAwait(false);
        if (_left || _call is null) return;
        _left = true;
        await _call.LeaveAsync(cancellationToken).ConfigureAwait(false);
        _media.Dispose();
    }

    /// <summary>Leaves (if still in the call, best effort within a few seconds) and releases everything; the WAV files
    /// get their final headers. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            using var timeout = new CancellationTokenSource(LeaveTimeout);
            if (_signaling.IsOpen) await LeaveAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SignalingException or SignalingClosedException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await QuietlyAsync(_playback).ConfigureAwait(false);
        await QuietlyAsync(_video).ConfigureAwait(false);
        await QuietlyAsync(_reports).ConfigureAwait(false);
        await QuietlyAsync(_events).ConfigureAwait(false);
        if (_call is not null) await _call.DisposeAsync().ConfigureAwait(false);
        _media.Dispose();
        _recorder?.Dispose();
        if (_videoRecorder is not null) await _videoRecorder.DisposeAsync().ConfigureAwait(false);
        _microphone?.Dispose();
        _keys.Dispose();
        _playbackEnded.TrySetResult();
        _videoEnded.TrySetResult();
        _negotiation.Dispose();
        _stop.Dispose();
    }

    /// <summary>Offers the microphone and one receiving section per slot, applies the answer, and connects on the first.</summary>
    private async Task NegotiateAsync(CancellationToken cancellationToken)
    {
        await _negotiation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sections = new List<MediaDescription>();
            List<PublishedSection> publish = [];
            List<SubscribedSection> subscribe = [];
            if (_microphone is not null)
            {
                sections.Add(AudioSection(MicrophoneMid, MediaDirection.SendOnly));
                publish.Add(new PublishedSection(MicrophoneMid, "microphone"));
            }
            if (_camera is not null)
            {
                sections.Add(VideoSection(CameraMid, MediaDirection.SendOnly));
                publish.Add(new PublishedSection(CameraMid, "camera"));
            }
            foreach (Slot slot in _slots)
            {
                MediaDirection direction = slot.Track is null ? MediaDirection.Inactive : MediaDirection.RecvOnly;
                sections.Add(slot.Kind == "video" ? VideoSection(slot.Mid, direction) : AudioSection(slot.Mid, direction));
                if (slot.Track is { } track) subscribe.Add(new SubscribedSection(slot.Mid, track.TrackId));
            }
            if (sections.Count == 0) return;                           // nothing to send or receive yet
            var offer = new OfferMessage { Sdp = _media.CreateOffer(sections), Publish = publish, Subscribe = subscribe };
            AnswerMessage answer = await _signaling.RequestAsync<AnswerMessage>(offer, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _negotiations);
            BindStreams(answer.Sdp);
            if (!_connected)
            {
                await _media.ConnectAsync(answer.Sdp, cancellationToken).ConfigureAwait(false);
                _connected = true;
                if (_options.Microphone is { } source) _playback = Task.Run(() => PlayAsync(source, _stop.Token), CancellationToken.None);
                else _playbackEnded.TrySetResult();
                if (_options.Camera is { } camera) _video = Task.Run(() => FilmAsync(camera, _stop.Token), CancellationToken.None);
                else _videoEnded.TrySetResult();
                if (_feedback is not null) _reports = Task.Run(() => ReportAsync(_feedback, _stop.Token), CancellationToken.None);
            }
        }
        finally
        {
            _negotiation.Release();
        }
    }

    /// <summary>Binds the SSRC the SFU sends each subscribed track with (its <c>a=ssrc</c>) to the track's publisher.</summary>
    private void BindStreams(string answerSdp)
    {
        if (_feedback is null) return;
        SessionDescription answer;
        try
        {
            answer = SdpParser.Parse(answerSdp);
        }
        catch (SdpParseException e)
        {
            throw new MediaNegotiationException("the server's answer is not valid SDP: " + e.Message, e);
        }
        var received = new List<(uint Ssrc, int ClockRate)>();
        foreach (Slot slot in _slots)
        {
            if (slot.Track is not { } track) continue;
            MediaDescription? section = answer.Media.FirstOrDefault(m => m.Mid == slot.Mid && m.Port != 0);
            if (section is null) continue;
            foreach (uint ssrc in section.Ssrcs.Select(s => s.Ssrc).Distinct())
            {
                if (slot.Kind == "video") _videoRecorder?.Bind(ssrc, track.ParticipantId, track.Source);
                else _recorder?.Bind(ssrc, track.ParticipantId);
                received.Add((ssrc, slot.Kind == "video" ? Vp8VideoSender.ClockRate : OpusAudioSender.SampleRate));
            }
        }
        _feedback.SetStreams(received);
    }

    private static MediaDescription AudioSection(string mid, MediaDirection direction) => new()
    {
        Media = "audio",
        Mid = mid,
        Direction = direction,
        Extensions =
        [
            new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null),
            new RtpHeaderExtension(AudioLevelExtensionId, null, RtpHeaderExtension.AudioLevelUri, null),
        ],
        // RFC 7587 §7: opus/48000/2 whatever the channels sent; minptime and in-band FEC as browsers offer.
        Codecs = [new Codec(ClientMediaConnection.OpusPayloadType, "opus", OpusAudioSender.SampleRate, 2, [new("minptime", "10"), new("useinbandfec", "1")], [])],
    };

    /// <summary>A VP8 section (RFC 7741) with NACK, PLI and FIR feedback (RFC 4585, RFC 5104), as browsers offer it.</summary>
    private static MediaDescription VideoSection(string mid, MediaDirection direction) => new()
    {
        Media = "video",
        Mid = mid,
        Direction = direction,
        Extensions = [new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null)],
        Codecs = [new Codec(ClientMediaConnection.Vp8PayloadType, "VP8", Vp8VideoSender.ClockRate, null, [], [new("nack", null), new("nack", "pli"), new("ccm", "fir")])],
    };

    /// <summary>Follows <c>tracks</c>: a slot per other participant's audio track, offering again on every change.</summary>
    private async Task ReadEventsAsync()
    {
        CancellationToken stop = _stop.Token;
        try
        {
            await foreach (SignalMessage message in _call.Events.ReadAllAsync(stop).ConfigureAwait(false))
            {
                if (message is ActiveSpeakerEvent speaker) Volatile.Write(ref _activeSpeaker, speaker.ParticipantId);
                if (message is not TracksEvent tracks || !_options.Listen) continue;
                if (!UpdateSlots(tracks)) continue;
                try
                {
                    await NegotiateAsync(stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SignalingException or MediaNegotiationException or TimeoutException
                    or Conclave.Media.Transport.Ice.IceConnectionException or DtlsSrtpHandshakeException)
                {
                    Volatile.Write(ref _lastError, e);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (SignalingClosedException e)
        {
            Volatile.Write(ref _lastError, e);
        }
    }

    private bool UpdateSlots(TracksEvent tracks)
    {
        var wanted = tracks.Tracks.Where(t => (t.Kind == "audio" || (t.Kind == "video" && _videoRecorder is not null)) && t.ParticipantId != SessionId)
            .ToDictionary(t => t.TrackId, StringComparer.Ordinal);
        bool changed = false;
        foreach (Slot slot in _slots)
        {
            if (slot.Track is { } held && !wanted.Remove(held.TrackId))
            {
                slot.Track = null;                                     // ended: the section goes inactive
                changed = true;
            }
        }
        foreach (TrackInfo track in wanted.Values)
        {
            Slot? free = _slots.FirstOrDefault(s => s.Track is null && s.Kind == track.Kind);
            if (free is null)
            {
                string mid = (track.Kind == "video" ? "v" : "a") + _slots.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                _slots.Add(free = new Slot(mid, track.Kind));
            }
            free.Track = track;
            changed = true;
        }
        return changed;
    }

    /// <summary>Plays <paramref name="source"/> into the microphone stream in real time (<see cref="AudioPacer"/>).</summary>
    private async Task PlayAsync(AudioFrameSource source, CancellationToken cancellationToken)
    {
        OpusAudioSender sender = _microphone!;
        DtlsSrtpTransport transport = _media.Transport;
        try
        {
            await new AudioPacer(source, frame => sender.Send(frame, transport), sender.Skip).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _playbackEnded.TrySetResult();
        }
    }

    /// <summary>Sends the camera's frames as they come; a keyframe is asked of it when a PLI or FIR names its stream.</summary>
    private async Task FilmAsync(IVideoSource camera, CancellationToken cancellationToken)
    {
        Vp8VideoSender sender = _camera!;
        DtlsSrtpTransport transport = _media.Transport;
        try
        {
            await camera.RunAsync((frame, timestamp) => sender.Send(frame, timestamp, transport), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Volatile.Write(ref _lastError, e);
        }
        finally
        {
            _videoEnded.TrySetResult();
        }
    }

    /// <summary>Receiver reports and a REMB for what this bot receives, once a second (<see cref="ReceiverFeedback"/>).</summary>
    private async Task ReportAsync(ReceiverFeedback feedback, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ReportInterval);
        byte[] buffer = new byte[1200];
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (feedback.TryWrite(buffer, out int length)) _media.Transport.SendRtcp(buffer, length);
        }
    }

    /// <summary>A PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1) for the camera's SSRC asks its source for a keyframe;
    /// a sender report of a stream received is noted for the next receiver report.</summary>
    private void OnFeedback(ReadOnlySpan<byte> compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            if (packet.Kind == RtcpPacketKind.SenderReport && SenderReport.TryRead(packet.Data, out SenderReport report) == RtcpParseStatus.Ok)
                _feedback?.OnSenderReport(report.Ssrc, report.NtpTimestamp);
            if (_camera is null || _options.Camera is not { } camera) continue;
            bool wanted = packet.Kind switch
            {
                RtcpPacketKind.PictureLossIndication => PictureLossIndication.TryRead(packet, out PictureLossIndication pli) == RtcpParseStatus.Ok
                    && pli.MediaSsrc == _camera.Ssrc,
                RtcpPacketKind.FullIntraRequest => FullIntraRequest.TryRead(packet, out FullIntraRequest fir) == RtcpParseStatus.Ok && NamesCamera(fir),
                _ => false,
            };
            if (wanted)
            {
                Interlocked.Increment(ref _keyframeRequests);
                camera.RequestKeyframe();
            }
        }
    }

    /// <summary>Asks the publisher of the stream this bot receives as <paramref name="ssrc"/> for a keyframe: a PLI
    /// (RFC 4585 §6.3.1) alone, as reduced-size RTCP allows (RFC 5506).</summary>
    private void RequestKeyframe(uint ssrc)
    {
        if (!_connected) return;
        Span<byte> buffer = stackalloc byte[64];
        var pli = new PictureLossIndicationWriter { SenderSsrc = _rtcpSsrc, MediaSsrc = ssrc };
        if (pli.TryWrite(buffer, out int length)) _media.Transport.SendRtcp(buffer, length);
    }

    private bool NamesCamera(FullIntraRequest fir)
    {
        for (int i = 0; i < fir.EntryCount; i++)
        {
            if (fir.GetEntry(i).Ssrc == _camera!.Ssrc) return true;
        }
        return false;
    }

    /// <summary>Waits for a background loop this bot cancelled to end: its cancellation is how it ends, not an error.
    /// Any other failure of the loop still surfaces.</summary>
    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the stop this bot asked for
        }
    }

    /// <summary>A receiving section: its mid and kind stay; the track it carries changes.</summary>
    private sealed class Slot(string mid, string kind)
    {
        public string Mid { get; } = mid;
        public string Kind { get; } = kind;
        public TrackInfo? Track { get; set; }
    }

    /// <summary>Received RTP goes to the recorder; RTCP feedback to the camera.</summary>
    private sealed class MediaHandler(CallBot bot) : IDtlsSrtpTransportHandler
    {
        public void OnConnected(DtlsSrtpTransport transport)
        {
        }

        public void OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
        {
            if (RtpHeader.TryRead(packet, out RtpHeader header) != RtpParseStatus.Ok) return;   // read once for all three
            bot._feedback?.OnRtp(header);
            bot._recorder?.OnRtp(header);
            bot._videoRecorder?.OnRtp(header);
        }

        public void OnRtcp(DtlsSrtpTransport transport, Span<byte> packet) => bot.OnFeedback(packet);

        public void OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail)
        {
        }
    }
}
