using Conclave.Sfu.Routing;
using Conclave.Signaling;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Media;

/// <summary>The SFU routers of the calls this node hosts media for, and the signaling connections in each call that
/// hear about its tracks (<c>tracks</c> events). A router is created by a call's first offer and disposed when its
/// last participant detaches.</summary>
public sealed partial class CallMedia : IDisposable
{
    // Passed by argument
    private readonly MediaPort _port;
    private readonly TimeProvider _time;
    private readonly ILogger<CallMedia> _logger;
    private readonly PeerSendDecorator? _sendDecorator;              // tests only: lossy paths
    private readonly IInboundRtpObserver? _inboundObserver;          // tests only: what publishers send, seen at the SFU

    // Allocated by this
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Call> _calls = new(StringComparer.Ordinal);

    /// <param name="sendDecorator">Test seam: wraps each peer's send path (e.g. to lose packets); null in production.</param>
    /// <param name="inboundObserver">Diagnostics hook: sees every RTP packet publishers send (after SRTP); null in
    /// production. Registered in DI as an <see cref="IInboundRtpObserver"/> singleton to take effect.</param>
    public CallMedia(MediaPort port, TimeProvider time, ILogger<CallMedia> logger, PeerSendDecorator? sendDecorator = null,
        IInboundRtpObserver? inboundObserver = null)
    {
        _sendDecorator = sendDecorator;
        _inboundObserver = inboundObserver;
        _port = port;
        _time = time;
        _logger = logger;
    }

    /// <summary>A session joined <paramref name="room"/> on this node: it hears the call's tracks from now on,
    /// starting with the current list.</summary>
    public void Attach(string room, string sessionId, ISignalSink sink)
    {
        lock (_lock)
        {
            Call call = GetOrCreate(room);
            call.Sinks[sessionId] = sink;
            sink.TryPost(TracksFor(call, sessionId));
        }
    }

    /// <summary>Handles a media request of <paramref name="sessionId"/> in <paramref name="room"/> (docs/signaling.md,
    /// "Media"): an <c>offer</c>, <c>mute</c> or <c>video-size</c>. Returns the reply or an error message.</summary>
    public SignalMessage Handle(string room, string sessionId, SignalMessage request) => request switch
    {
        OfferMessage offer => Answer(room, sessionId, offer),
        MuteMessage mute => SetMuted(room, sessionId, mute.Mid, mute.Muted)
            ? new MutedMessage { Mid = mute.Mid, Muted = mute.Muted }
            : Error(ErrorCodes.BadTrack, $"you publish no track on mid '{mute.Mid}'"),
        VideoSizeMessage size => SetVideoSize(room, sessionId, size.TrackId, size.MaxWidth, size.MaxHeight)
            ? new VideoSizedMessage { TrackId = size.TrackId, MaxWidth = size.MaxWidth, MaxHeight = size.MaxHeight }
            : Error(ErrorCodes.BadTrack, $"you receive no video track '{size.TrackId}'"),
        _ => Error(ErrorCodes.UnknownType, "not a media request"),
    };

    private SignalMessage Answer(string room, string sessionId, OfferMessage offer)
    {
        NegotiationResult result = Negotiate(room, sessionId, offer);
        return result.AnswerSdp is { } sdp ? new AnswerMessage { Sdp = sdp } : Error(result.ErrorCode!, result.ErrorMessage!);
    }

    /// <summary>Answers the offer of <paramref name="sessionId"/> in <paramref name="room"/>; tells everyone in the call
    /// when its tracks changed.</summary>
    private NegotiationResult Negotiate(string room, string sessionId, OfferMessage offer)
    {
        var publish = new List<PublishRequest>(offer.Publish.Count);
        foreach (PublishedSection section in offer.Publish)
        {
            TrackSources.TryParse(section.Source, out TrackSource source);             // validated by OfferMessage
            publish.Add(new PublishRequest(section.Mid, source));
        }
        var subscribe = offer.Subscribe.Select(s => new SubscribeRequest(s.Mid, s.TrackId)).ToList();
        lock (_lock)
        {
            Call call = GetOrCreate(room);
            NegotiationResult result = call.Router.Negotiate(sessionId, offer.Sdp, publish, subscribe);
            if (result.TracksChanged) Broadcast(call);
            return result;
        }
    }

    /// <summary>Marks the session's track published on <paramref name="mid"/> muted or not, and tells the call.</summary>
    /// <returns>False when the session publishes nothing on that mid.</returns>
    private bool SetMuted(string room, string sessionId, string mid, bool muted)
    {
        lock (_lock)
        {
            if (!_calls.TryGetValue(room, out Call? call)) return false;
            Producer? producer = call.Router.FindPeer(sessionId)?.Producers.FirstOrDefault(p => p.Mid == mid);
            if (producer is null) return false;
            if (producer.Muted != muted)
            {
                producer.Muted = muted;
                Broadcast(call);
            }
            return true;
        }
    }

    /// <summary>Caps (or, with 0 × 0, pauses) the video track <paramref name="trackId"/> the session receives.</summary>
    /// <returns>False when the session receives no such video track.</returns>
    private bool SetVideoSize(string room, string sessionId, string trackId, int maxWidth, int maxHeight)
    {
        Router? router;
        lock (_lock) router = _calls.GetValueOrDefault(room)?.Router;
        return router is not null && router.SetVideoCap(sessionId, trackId, maxWidth, maxHeight);
    }

    /// <summary>The session left the call (or its connection ended): its media stops and its tracks leave the others.</summary>
    public void Detach(string room, string sessionId)
    {
        lock (_lock)
        {
            if (!_calls.TryGetValue(room, out Call? call)) return;
            call.Sinks.Remove(sessionId);
            if (call.Router.RemovePeer(sessionId)) Broadcast(call);
            if (call.Sinks.Count == 0)
            {
                call.Router.Dispose();
                _calls.Remove(room);
            }
        }
    }

    /// <summary>The router of <paramref name="room"/>, if this node hosts media for it (tests, diagnostics).</summary>
    public Router? Find(string room)
    {
        lock (_lock) return _calls.GetValueOrDefault(room)?.Router;
    }

    /// <summary>Ends every call's media (host stopping).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (Call call in _calls.Values) call.Router.Dispose();
            _calls.Clear();
        }
    }

    private Call GetOrCreate(string room)
    {
        if (_calls.TryGetValue(room, out Call? call)) return call;
        var router = new Router(room, new MediaEndpoint(_port.Listener, _port.Certificate, _port.DtlsOptions, _sendDecorator, _inboundObserver), _time);
        router.PeerTransportClosed += (peer, reason) => OnTransportClosed(room, peer, reason);
        router.DominantSpeakerChanged += speaker => OnDominantSpeakerChanged(room, speaker);
        router.WantedLayersChanged += (producer, rids) => OnWantedLayersChanged(room, producer, rids);
        call = new Call(router);
        _calls[room] = call;
        return call;
    }

    private void OnTransportClosed(string room, SfuPeer peer, string reason)
    {
        LogTransportClosed(room, peer.ParticipantId, reason);
        lock (_lock)
        {
            if (_calls.TryGetValue(room, out Call? call) && call.Router.RemovePeer(peer.ParticipantId)) Broadcast(call);
        }
    }

    private void OnDominantSpeakerChanged(string room, string? participantId)
    {
        lock (_lock)
        {
            if (!_calls.TryGetValue(room, out Call? call)) return;
            var message = new ActiveSpeakerEvent { Room = room, ParticipantId = participantId };
            foreach (ISignalSink sink in call.Sinks.Values) sink.TryPost(message);
        }
    }

    /// <summary>Dynacast: tells the publisher which of its simulcast encodings anyone can use.</summary>
    private void OnWantedLayersChanged(string room, Producer producer, IReadOnlyList<string> rids)
    {
        lock (_lock)
        {
            if (!_calls.TryGetValue(room, out Call? call) || !call.Sinks.TryGetValue(producer.Peer.ParticipantId, out ISignalSink? sink)) return;
            sink.TryPost(new LayersEvent { Room = room, Mid = producer.Mid, Rids = rids });
        }
    }

    private static void Broadcast(Call call)
    {
        foreach ((string sessionId, ISignalSink sink) in call.Sinks) sink.TryPost(TracksFor(call, sessionId));
    }

    private static TracksEvent TracksFor(Call call, string sessionId) => new()
    {
        Room = call.Router.CallId,
        Tracks = [.. call.Router.Producers
            .Where(p => p.Peer.ParticipantId != sessionId)
            .Select(p => new TrackInfo(p.Id, p.Peer.ParticipantId, p.Source.IsAudio() ? "audio" : "video", p.Source.ToWire(), p.Muted))],
    };

    private static ErrorMessage Error(string code, string message) => new() { Code = code, Message = message };

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {Room}: media of session {SessionId} ended: {Reason}")]
    private partial void LogTransportClosed(string room, string sessionId, string reason);

    private sealed record Call(Router Router)
    {
        public Dictionary<string, ISignalSink> Sinks { get; } = new(StringComparer.Ordinal);
    }
}
