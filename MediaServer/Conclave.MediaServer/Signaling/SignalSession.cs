using Conclave.Grains;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Identity;
using Conclave.MediaServer.Media;
using Conclave.Signaling;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Signaling;

/// <summary>
/// The application side of one signaling connection: authenticates <c>hello</c>, turns requests into
/// <see cref="ISessionGrain"/> calls, and, as the session's <see cref="ISessionObserver"/>, turns grain
/// events into messages. Every decision is taken by the grains against their state. End-to-end key material
/// (membership and leave statements, <c>e2ee</c> data) passes through unread and is never logged.
/// </summary>
public sealed partial class SignalSession(
    IGrainFactory grains, TokenValidator tokens, MediaNodeClient media, string mediaNode, TimeProvider time, ILogger<SignalSession> logger)
    : ISignalHandler, ISessionObserver
{
    private readonly Lock _roomLock = new();
    private SequencedDelivery<E2eeEvent>? _e2ee;            // puts relayed e2ee messages back in the order they were sent
    private CallPlace? _call;                       // the call the session is in, and the node hosting its media
    private ISignalSink? _sink;
    private ISessionGrain? _session;
    private ISessionObserver? _observerReference;
    private string? _sessionId;

    /// <inheritdoc />
    public async Task<SignalMessage> HelloAsync(HelloMessage hello, ISignalSink sink, CancellationToken cancellationToken)
    {
        TokenCheck check = await tokens.ValidateAsync(hello.Token, cancellationToken);
        if (check.User is not { } user) return Error(ErrorCodes.InvalidToken, check.Reason!);

        _sink = sink;
        _e2ee ??= new SequencedDelivery<E2eeEvent>(e => sink.TryPost(e), time);
        _observerReference ??= grains.CreateObjectReference<ISessionObserver>(this);
        return hello.Resume is { } resume ? await ResumeAsync(user, resume) : await OpenAsync(user);
    }

    private async Task<SignalMessage> OpenAsync(AuthenticatedUser user)
    {
        string sessionId = Secrets.NewId();
        ISessionGrain session = grains.GetGrain<ISessionGrain>(sessionId);
        var identity = new SessionIdentity(user.UserId, user.DeviceId, user.DisplayName);
        SessionOpened opened = await session.OpenAsync(identity, _observerReference!);
        (_session, _sessionId) = (session, sessionId);
        LogSessionOpened(sessionId, user.UserId);
        return Welcome(sessionId, identity, opened, resumed: false, call: null);
    }

    private async Task<SignalMessage> ResumeAsync(AuthenticatedUser user, ResumeRequest resume)
    {
        ISessionGrain session = grains.GetGrain<ISessionGrain>(resume.SessionId);
        SessionResumed resumed = await session.ResumeAsync(user.UserId, resume.ResumeToken, _observerReference!);
        switch (resumed.Status)
        {
            case ResumeStatus.Ok:
                (_session, _sessionId) = (session, resume.SessionId);
                LogSessionResumed(resume.SessionId, user.UserId);
                if (resumed.Call is { } call) await EnterCallAsync(call);
                return Welcome(resume.SessionId, resumed.Identity!, resumed.Session!, resumed: true,
                    resumed.Call is { } snapshot ? Joined(snapshot) : null);
            case ResumeStatus.Forbidden:
                return Error(ErrorCodes.Forbidden, "this session belongs to someone else or the resume token is wrong");
            default:
                return Error(ErrorCodes.SessionExpired, "the session has expired; send hello without resume");
        }
    }

    /// <inheritdoc />
    public async Task<SignalMessage> HandleAsync(SignalMessage request, CancellationToken cancellationToken)
    {
        ISessionGrain session = _session!;
        switch (request)
        {
            case JoinMessage join:
                CallJoinResult result = await session.JoinAsync(join.Room, mediaNode);
                if (result.Status == RoomStatus.Ok) await EnterCallAsync(result.Call!);
                return result.Status switch
                {
                    RoomStatus.Ok => Joined(result.Call!),
                    RoomStatus.NotFound => Error(ErrorCodes.RoomNotFound, $"no room named '{join.Room}'"),
                    RoomStatus.NotMember => Error(ErrorCodes.Forbidden, "you are not a member of this room"),
                    RoomStatus.Locked => Error(ErrorCodes.RoomLocked, "the room is locked"),
                    _ => Error(ErrorCodes.BadRequest, "the call refused the join"),
                };
            case LeaveMessage leave:
                await LeaveCallAsync();
                return new LeftMessage { Room = await session.LeaveAsync(leave.Statement) };
            case MembershipMessage membership:
                return await session.SetMembershipAsync(membership.Statement) is null
                    ? Error(ErrorCodes.NotInCall, "join a call before sending a membership statement")
                    : new MembershipRecordedMessage();
            case E2eeSendMessage send:
                E2eeRelayResult? relayed = await session.RelayE2eeAsync(send.Messages.Select(m => new E2eeEnvelope(m.To, m.Data)).ToList());
                return relayed is null
                    ? Error(ErrorCodes.NotInCall, "join a call before sending e2ee messages")
                    : new E2eeSentMessage { Delivered = relayed.Delivered, Undelivered = relayed.Undelivered };
            case FileOfferMessage offer:
                FileOfferResult offered = await session.OfferFileAsync(offer.FileId);
                return offered.Status switch
                {
                    FileOfferStatus.Ok => new FileOfferSentMessage { Room = offer.Room, FileId = offer.FileId, Notified = offered.Notified },
                    FileOfferStatus.NotInCall => Error(ErrorCodes.NotInCall, "join the call before offering a file to it"),
                    FileOfferStatus.NotComplete => Error(ErrorCodes.BadRequest, "the file's upload is not complete yet"),
                    FileOfferStatus.NotOwner => Error(ErrorCodes.Forbidden, "only the file's owner may offer it"),
                    _ => Error(ErrorCodes.FileNotFound, "no such file (or it expired)"),
                };
            case OfferMessage or MuteMessage or VideoSizeMessage:
                return await MediaRequestAsync(request);
            case UpdateMessage update:
                await session.UpdateDisplayNameAsync(update.DisplayName.Trim());
                return new UpdatedMessage { DisplayName = update.DisplayName.Trim() };
            case PingMessage:
                if (await session.HeartbeatAsync()) return new PongMessage();
                _sink!.Close(CloseCodes.SessionExpired, "session expired");
                return Error(ErrorCodes.SessionExpired, "the session has expired");
            default:
                return Error(ErrorCodes.UnknownType, "unsupported message");
        }
    }

    /// <inheritdoc />
    public async Task OnClosedAsync(bool clientClosedNormally)
    {
        // After a blip the media keeps flowing while the session waits for a resume; it ends with the session
        // (participant-left) or when ICE consent expires.
        try
        {
            if (clientClosedNormally) await LeaveCallAsync();
            if (_session is not null)
            {
                // A normal close means the client is done; anything else may be a network blip, so the
                // session waits for a resume until its heartbeat timeout (docs/signaling.md, "Resume").
                if (clientClosedNormally) await _session.CloseAsync(_observerReference);
                else await _session.DisconnectedAsync(_observerReference!);
            }
        }
        finally
        {
            if (_observerReference is not null) grains.DeleteObjectReference<ISessionObserver>(_observerReference);
            _e2ee?.Dispose();
        }
    }

    void ISessionObserver.OnParticipantJoined(string room, long version, Participant participant) =>
        _sink?.TryPost(new ParticipantJoinedEvent { Room = room, RosterVersion = version, Participant = RoleNames.ToWire(participant) });

    void ISessionObserver.OnParticipantLeft(string room, long version, string sessionId, LeaveReason reason, byte[]? statement)
    {
        // A participant whose session expired elsewhere no longer receives or sends media either.
        CallPlace? call;
        lock (_roomLock) call = _call;
        if (call is not null && call.Room == room) _ = DetachQuietlyAsync(call, sessionId);
        _sink?.TryPost(new ParticipantLeftEvent
        {
            Room = room, RosterVersion = version, SessionId = sessionId, Reason = RoleNames.ToWire(reason), Statement = statement,
        });
    }

    void ISessionObserver.OnParticipantUpdated(string room, long version, Participant participant) =>
        _sink?.TryPost(new ParticipantUpdatedEvent { Room = room, RosterVersion = version, Participant = RoleNames.ToWire(participant) });

    void ISessionObserver.OnE2eeMessage(string room, string fromSessionId, string data, long stream, long sequence) =>
        _e2ee?.Receive(stream, sequence, new E2eeEvent { Room = room, From = fromSessionId, Data = data });

    void ISessionObserver.OnFileOffered(string room, string fromSessionId, string fromUserId, string fileId, long length) =>
        _sink?.TryPost(new FileOfferedEvent { Room = room, FileId = fileId, From = fromSessionId, UserId = fromUserId, Length = length });

    void ISessionObserver.OnMediaEvent(string room, string eventJson)
    {
        if (SignalCodec.DecodeServerMessage(System.Text.Encoding.UTF8.GetBytes(eventJson)) is { } message) _sink?.TryPost(message);
    }

    void ISessionObserver.OnSessionEnded(SessionEndReason reason)
    {
        if (reason == SessionEndReason.Replaced) _sink?.Close(CloseCodes.SessionReplaced, "session resumed elsewhere");
        else _sink?.Close(CloseCodes.SessionExpired, "session ended");
        _session = null; // The session is no longer ours: don't close or disconnect it when this socket ends.
    }

    /// <summary>The session is in <paramref name="call"/>: it hears the call's media events from the call's media
    /// node (and leaves a previous call's media).</summary>
    private async Task EnterCallAsync(CallSnapshot call)
    {
        var place = new CallPlace(call.Room, call.MediaNode ?? mediaNode);
        CallPlace? previous;
        lock (_roomLock) (previous, _call) = (_call, place);
        if (previous is not null && previous != place) await DetachQuietlyAsync(previous, _sessionId!);
        if (!await media.AttachAsync(place.MediaNode, place.Room, _sessionId!, _sink!, _observerReference!)) LogMediaNodeUnavailable(place.Room, place.MediaNode);
    }

    private async Task LeaveCallAsync()
    {
        CallPlace? call;
        lock (_roomLock) (call, _call) = (_call, null);
        if (call is not null) await DetachQuietlyAsync(call, _sessionId!);
    }

    /// <summary>Ends <paramref name="sessionId"/>'s media in <paramref name="call"/>; a media node that cannot be reached
    /// has lost it already.</summary>
    private async Task DetachQuietlyAsync(CallPlace call, string sessionId)
    {
        try
        {
            await media.DetachAsync(call.MediaNode, call.Room, sessionId);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            LogMediaNodeUnavailable(call.Room, call.MediaNode);
        }
    }

    /// <summary>An offer, mute or video-size in the current call (docs/signaling.md, "Media"), handled by the call's media node.</summary>
    private async Task<SignalMessage> MediaRequestAsync(SignalMessage request)
    {
        CallPlace? call;
        lock (_roomLock) call = _call;
        if (call is null) return Error(ErrorCodes.NotInCall, "join a call before sending media requests");
        try
        {
            return await media.HandleAsync(call.MediaNode, call.Room, _sessionId!, request);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            LogMediaNodeUnavailable(call.Room, call.MediaNode);
            return Error(ErrorCodes.MediaUnavailable, $"the server hosting this call's media ({call.MediaNode}) cannot be reached");
        }
    }

    private JoinedMessage Joined(CallSnapshot call) => new()
    {
        Room = call.Room,
        SessionId = _sessionId!,
        MediaNode = call.MediaNode,
        CallId = call.CallId ?? throw new InvalidOperationException("a call the session is in has an id"),
        RosterVersion = call.Version,
        Participants = call.Participants.Select(RoleNames.ToWire).ToList(),
    };

    private static WelcomeMessage Welcome(string sessionId, SessionIdentity identity, SessionOpened opened, bool resumed, JoinedMessage? call) => new()
    {
        SessionId = sessionId,
        ResumeToken = opened.ResumeToken,
        UserId = identity.UserId,
        DisplayName = identity.DisplayName,
        HeartbeatIntervalMs = (int)opened.HeartbeatInterval.TotalMilliseconds,
        SessionTimeoutMs = (int)opened.Timeout.TotalMilliseconds,
        Resumed = resumed,
        Call = call,
    };

    private static ErrorMessage Error(string code, string message) => new() { Code = code, Message = message };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Room}: its media node {MediaNode} cannot be reached")]
    private partial void LogMediaNodeUnavailable(string room, string mediaNode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} opened for user {UserId}")]
    private partial void LogSessionOpened(string sessionId, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} resumed by user {UserId}")]
    private partial void LogSessionResumed(string sessionId, string userId);
}

/// <summary>A call and the node hosting its media.</summary>
internal sealed record CallPlace(string Room, string MediaNode);
