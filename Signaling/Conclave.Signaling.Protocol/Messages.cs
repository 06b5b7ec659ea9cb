using System.Text.Json.Serialization;

namespace Conclave.Signaling.Protocol;

/// <summary>
/// Every signaling message: a JSON object with <c>type</c>, protocol version <c>v</c> and, on requests,
/// a client-chosen request id <c>id</c> that the reply (or error) echoes. See docs/signaling.md.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(HelloMessage), MessageTypes.Hello)]
[JsonDerivedType(typeof(WelcomeMessage), MessageTypes.Welcome)]
[JsonDerivedType(typeof(JoinMessage), MessageTypes.Join)]
[JsonDerivedType(typeof(JoinedMessage), MessageTypes.Joined)]
[JsonDerivedType(typeof(LeaveMessage), MessageTypes.Leave)]
[JsonDerivedType(typeof(LeftMessage), MessageTypes.Left)]
[JsonDerivedType(typeof(UpdateMessage), MessageTypes.Update)]
[JsonDerivedType(typeof(UpdatedMessage), MessageTypes.Updated)]
[JsonDerivedType(typeof(PingMessage), MessageTypes.Ping)]
[JsonDerivedType(typeof(PongMessage), MessageTypes.Pong)]
[JsonDerivedType(typeof(ErrorMessage), MessageTypes.Error)]
[JsonDerivedType(typeof(ParticipantJoinedEvent), MessageTypes.ParticipantJoined)]
[JsonDerivedType(typeof(ParticipantLeftEvent), MessageTypes.ParticipantLeft)]
[JsonDerivedType(typeof(ParticipantUpdatedEvent), MessageTypes.ParticipantUpdated)]
[JsonDerivedType(typeof(OfferMessage), MessageTypes.Offer)]
[JsonDerivedType(typeof(AnswerMessage), MessageTypes.Answer)]
[JsonDerivedType(typeof(TracksEvent), MessageTypes.Tracks)]
[JsonDerivedType(typeof(ActiveSpeakerEvent), MessageTypes.ActiveSpeaker)]
[JsonDerivedType(typeof(MuteMessage), MessageTypes.Mute)]
[JsonDerivedType(typeof(MutedMessage), MessageTypes.Muted)]
[JsonDerivedType(typeof(VideoSizeMessage), MessageTypes.VideoSize)]
[JsonDerivedType(typeof(VideoSizedMessage), MessageTypes.VideoSized)]
[JsonDerivedType(typeof(LayersEvent), MessageTypes.Layers)]
[JsonDerivedType(typeof(MembershipMessage), MessageTypes.Membership)]
[JsonDerivedType(typeof(MembershipRecordedMessage), MessageTypes.MembershipRecorded)]
[JsonDerivedType(typeof(E2eeSendMessage), MessageTypes.E2eeSend)]
[JsonDerivedType(typeof(E2eeSentMessage), MessageTypes.E2eeSent)]
[JsonDerivedType(typeof(E2eeEvent), MessageTypes.E2ee)]
[JsonDerivedType(typeof(FileOfferMessage), MessageTypes.FileOffer)]
[JsonDerivedType(typeof(FileOfferSentMessage), MessageTypes.FileOfferSent)]
[JsonDerivedType(typeof(FileOfferedEvent), MessageTypes.FileOffered)]
public abstract record SignalMessage
{
    /// <summary>Protocol version; <see cref="ProtocolVersion.Current"/>.</summary>
    [JsonPropertyName("v")]
    public int Version { get; init; } = ProtocolVersion.Current;

    /// <summary>Request id chosen by the client and echoed in the reply; absent on events.</summary>
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }

    /// <summary>Checks field contents beyond JSON shape; returns a reason, or null when valid.</summary>
    public virtual string? Validate() => null;
}

/// <summary>The <c>type</c> values.</summary>
public static class MessageTypes
{
    public const string Hello = "hello";
    public const string Welcome = "welcome";
    public const string Join = "join";
    public const string Joined = "joined";
    public const string Leave = "leave";
    public const string Left = "left";
    public const string Update = "update";
    public const string Updated = "updated";
    public const string Ping = "ping";
    public const string Pong = "pong";
    public const string Error = "error";
    public const string ParticipantJoined = "participant-joined";
    public const string ParticipantLeft = "participant-left";
    public const string ParticipantUpdated = "participant-updated";
    public const string Offer = "offer";
    public const string Answer = "answer";
    public const string Tracks = "tracks";
    public const string ActiveSpeaker = "active-speaker";
    public const string Mute = "mute";
    public const string Muted = "muted";
    public const string VideoSize = "video-size";
    public const string VideoSized = "video-sized";
    public const string Layers = "layers";
    public const string Membership = "membership";
    public const string MembershipRecorded = "membership-recorded";
    public const string E2eeSend = "e2ee-send";
    public const string E2eeSent = "e2ee-sent";
    public const string E2ee = "e2ee";
    public const string FileOffer = "file-offer";
    public const string FileOfferSent = "file-offer-sent";
    public const string FileOffered = "file-offered";
}

/// <summary>Client → server, first message: authenticates the connection, optionally resuming a session.</summary>
public sealed record HelloMessage : SignalMessage
{
    /// <summary>A bearer token (JWT) of the embedded issuer or the configured OpenID Connect issuer.</summary>
    public required string Token { get; init; }

    /// <summary>Set to take over a session whose connection dropped, within its timeout.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResumeRequest? Resume { get; init; }

    public override string? Validate() =>
        string.IsNullOrEmpty(Token) || Token.Length > SignalLimits.MaxTokenLength ? "token is missing or too long"
        : Resume is { } r && (!Names.IsValidOpaqueId(r.SessionId) || !Names.IsValidOpaqueId(r.ResumeToken)) ? "resume needs sessionId and resumeToken"
        : null;
}

/// <summary>The session to resume and its secret, both from the earlier <see cref="WelcomeMessage"/>.</summary>
public sealed record ResumeRequest(string SessionId, string ResumeToken);

/// <summary>Server → client: the connection is authenticated.</summary>
public sealed record WelcomeMessage : SignalMessage
{
    public required string SessionId { get; init; }
    /// <summary>Secret that lets a new connection resume this session; replaced on every welcome.</summary>
    public required string ResumeToken { get; init; }
    public required string UserId { get; init; }
    public required string DisplayName { get; init; }
    /// <summary>How often the client should send <c>ping</c>.</summary>
    public required int HeartbeatIntervalMs { get; init; }
    /// <summary>After this long without a ping the session leaves its call and cannot be resumed.</summary>
    public required int SessionTimeoutMs { get; init; }
    /// <summary>True when an earlier session was resumed.</summary>
    public bool Resumed { get; init; }
    /// <summary>On resume, the call the session is in (a fresh roster, events missed while away included).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JoinedMessage? Call { get; init; }
}

/// <summary>Client → server: join the call of a room.</summary>
public sealed record JoinMessage : SignalMessage
{
    public required string Room { get; init; }

    public override string? Validate() => Names.IsValidRoomName(Room) ? null : "room is not a valid room name";
}

/// <summary>Server → client: the session is in the call; the roster includes the caller.</summary>
public sealed record JoinedMessage : SignalMessage
{
    public required string Room { get; init; }
    /// <summary>The caller's own session id, to find itself in the roster.</summary>
    public required string SessionId { get; init; }
    /// <summary>The media node that hosts the call.</summary>
    public string? MediaNode { get; init; }
    /// <summary>The call's id: a random opaque id made when the room's call starts (its roster goes from empty to
    /// non-empty) and kept while anyone is in it. Signed membership statements name it.</summary>
    public required string CallId { get; init; }
    /// <summary>Roster version; events carry the version they produce.</summary>
    public required long RosterVersion { get; init; }
    public required IReadOnlyList<ParticipantInfo> Participants { get; init; }
}

/// <summary>Client → server: leave the current call, optionally with a signed leave statement for the others.</summary>
public sealed record LeaveMessage : SignalMessage
{
    /// <summary>The client's signed leave statement (base64 in JSON), passed unread to the others'
    /// <c>participant-left</c>; null for none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Statement { get; init; }

    public override string? Validate() =>
        Statement is null || Statement.Length is > 0 and <= SignalLimits.MaxMembershipStatementBytes ? null
        : $"statement must be 1-{SignalLimits.MaxMembershipStatementBytes} bytes";

    public bool Equals(LeaveMessage? other) =>
        other is not null && base.Equals(other) && ByteArrays.Equal(Statement, other.Statement);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Statement?.Length);
}

/// <summary>Server → client: the session left <see cref="Room"/> (null if it was in no call).</summary>
public sealed record LeftMessage : SignalMessage
{
    public string? Room { get; init; }
}

/// <summary>Client → server: change what others see of this participant.</summary>
public sealed record UpdateMessage : SignalMessage
{
    public required string DisplayName { get; init; }

    public override string? Validate() => Names.IsValidDisplayName(DisplayName) ? null : "displayName must be 1-64 printable characters";
}

/// <summary>Server → client: the update was applied.</summary>
public sealed record UpdatedMessage : SignalMessage
{
    public required string DisplayName { get; init; }
}

/// <summary>Client → server heartbeat; keeps the session alive.</summary>
public sealed record PingMessage : SignalMessage;

/// <summary>Server → client heartbeat reply.</summary>
public sealed record PongMessage : SignalMessage;

/// <summary>Server → client: the request (echoed <c>id</c>) or message failed.</summary>
public sealed record ErrorMessage : SignalMessage
{
    /// <summary>One of <see cref="ErrorCodes"/>.</summary>
    public required string Code { get; init; }
    /// <summary>Human-readable detail; never contains secrets.</summary>
    public required string Message { get; init; }
}

/// <summary>Event: someone joined the caller's call.</summary>
public sealed record ParticipantJoinedEvent : SignalMessage
{
    public required string Room { get; init; }
    public required long RosterVersion { get; init; }
    public required ParticipantInfo Participant { get; init; }
}

/// <summary>Event: someone left the caller's call.</summary>
public sealed record ParticipantLeftEvent : SignalMessage
{
    public required string Room { get; init; }
    public required long RosterVersion { get; init; }
    public required string SessionId { get; init; }
    /// <summary><c>left</c>, <c>expired</c> or <c>closed</c>.</summary>
    public required string Reason { get; init; }
    /// <summary>The leaver's signed leave statement (base64 in JSON), as it sent it with <c>leave</c>; omitted when it
    /// sent none, and always for <c>expired</c> and <c>closed</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Statement { get; init; }
}

/// <summary>Event: a participant's details changed.</summary>
public sealed record ParticipantUpdatedEvent : SignalMessage
{
    public required string Room { get; init; }
    public required long RosterVersion { get; init; }
    public required ParticipantInfo Participant { get; init; }
}

/// <summary>One participant as clients see it.</summary>
/// <param name="Role"><c>member</c>, <c>host</c> or <c>owner</c>.</param>
/// <param name="DevicePublicKeys">The device's registered public keys (base64 in JSON), empty if none.</param>
/// <param name="JoinVersion">The roster version its (latest) join produced.</param>
/// <param name="Membership">Its signed membership statement for that join (base64 in JSON, sent with
/// <c>membership</c>), empty until it sent one; opaque to the server.</param>
public sealed record ParticipantInfo(
    string SessionId,
    string UserId,
    string DeviceId,
    string DisplayName,
    string Role,
    byte[] DevicePublicKeys,
    DateTimeOffset JoinedAt,
    long JoinVersion,
    byte[] Membership);

/// <summary>Client → server: the client's SDP offer for its one PeerConnection (the client always offers, the server
/// always answers), with what each section is for. Sections named in neither list are rejected.</summary>
public sealed record OfferMessage : SignalMessage
{
    /// <summary>The offer (RFC 8866), BUNDLEd, rtcp-mux.</summary>
    public required string Sdp { get; init; }

    /// <summary>Sections the client sends on, and what they carry.</summary>
    public IReadOnlyList<PublishedSection> Publish { get; init; } = [];

    /// <summary>Sections the client receives on, and the track each should carry (from <c>tracks</c>).</summary>
    public IReadOnlyList<SubscribedSection> Subscribe { get; init; } = [];

    public override string? Validate() =>
        string.IsNullOrEmpty(Sdp) || Sdp.Length > SignalLimits.MaxSdpLength ? $"sdp must be 1-{SignalLimits.MaxSdpLength} characters"
        : Publish is null || Subscribe is null ? "publish and subscribe must be arrays"
        : Publish.Count > SignalLimits.MaxSectionsPerOffer || Subscribe.Count > SignalLimits.MaxSectionsPerOffer ? $"at most {SignalLimits.MaxSectionsPerOffer} publish and subscribe entries"
        // JSON null entries deserialize as null elements: refuse them here rather than fail on them.
        : Publish.Any(p => p is null || !Names.IsValidMid(p.Mid) || p.Source is not ("microphone" or "camera" or "screen")) ? "publish entries need a mid (1-16 characters) and a source: microphone, camera or screen"
        : Subscribe.Any(s => s is null || !Names.IsValidMid(s.Mid) || !Names.IsValidOpaqueId(s.TrackId)) ? "subscribe entries need a mid (1-16 characters) and a trackId"
        : null;

    public bool Equals(OfferMessage? other) =>
        other is not null && base.Equals(other) && Sdp == other.Sdp && Lists.Equal(Publish, other.Publish) && Lists.Equal(Subscribe, other.Subscribe);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Sdp, Publish?.Count, Subscribe?.Count);
}

/// <summary>A section the client publishes on.</summary>
/// <param name="Mid">The section's <c>a=mid</c>.</param>
/// <param name="Source"><c>microphone</c>, <c>camera</c> or <c>screen</c>.</param>
public sealed record PublishedSection(string Mid, string Source);

/// <summary>A section the client receives a track on.</summary>
public sealed record SubscribedSection(string Mid, string TrackId);

/// <summary>Server → client: the answer to <see cref="OfferMessage"/>.</summary>
public sealed record AnswerMessage : SignalMessage
{
    public required string Sdp { get; init; }
}

/// <summary>Event: every track published in the caller's call by others, sent after <c>joined</c> and whenever it
/// changes. The client subscribes by offering a receiving section per track it wants.</summary>
public sealed record TracksEvent : SignalMessage
{
    public required string Room { get; init; }
    public required IReadOnlyList<TrackInfo> Tracks { get; init; }
}

/// <summary>One published track.</summary>
/// <param name="TrackId">What to name in <see cref="SubscribedSection.TrackId"/>; also the <c>a=msid</c> track id.</param>
/// <param name="ParticipantId">The publisher's session id; also the <c>a=msid</c> stream id.</param>
/// <param name="Kind"><c>audio</c> or <c>video</c>.</param>
/// <param name="Source"><c>microphone</c>, <c>camera</c> or <c>screen</c>.</param>
/// <param name="Muted">The publisher muted it (<c>mute</c>); media may still flow (silence, black frames).</param>
public sealed record TrackInfo(string TrackId, string ParticipantId, string Kind, string Source, bool Muted);

/// <summary>Client → server: mark one of your published tracks muted or unmuted; everyone's <c>tracks</c> shows it.</summary>
public sealed record MuteMessage : SignalMessage
{
    /// <summary>Your track, by the mid of the section that publishes it.</summary>
    public required string Mid { get; init; }
    public required bool Muted { get; init; }

    public override string? Validate() => Names.IsValidMid(Mid) ? null : "mid must be 1-16 characters";
}

/// <summary>Server → client: the reply to <see cref="MuteMessage"/>.</summary>
public sealed record MutedMessage : SignalMessage
{
    public required string Mid { get; init; }
    public required bool Muted { get; init; }
}

/// <summary>Event: the participant speaking now, from the audio levels the senders put in their RTP headers
/// (RFC 6464); null when nobody is.</summary>
public sealed record ActiveSpeakerEvent : SignalMessage
{
    public required string Room { get; init; }
    public string? ParticipantId { get; init; }
}

/// <summary>Client → server: the size a received video track is shown at, so the SFU sends the largest simulcast
/// encoding that fits it (and the bandwidth); 0 × 0 means not shown, and the SFU stops sending it.</summary>
public sealed record VideoSizeMessage : SignalMessage
{
    /// <summary>A video track you receive (from <c>tracks</c>).</summary>
    public required string TrackId { get; init; }

    /// <summary>Largest width wanted, in pixels (0-<see cref="SignalLimits.MaxVideoDimension"/>).</summary>
    public required int MaxWidth { get; init; }

    /// <summary>Largest height wanted, in pixels (0-<see cref="SignalLimits.MaxVideoDimension"/>).</summary>
    public required int MaxHeight { get; init; }

    public override string? Validate() =>
        !Names.IsValidOpaqueId(TrackId) ? "trackId is not a valid track id"
        : MaxWidth is < 0 or > SignalLimits.MaxVideoDimension || MaxHeight is < 0 or > SignalLimits.MaxVideoDimension
            ? $"maxWidth and maxHeight must be 0-{SignalLimits.MaxVideoDimension}"
        : null;
}

/// <summary>Server → client: the reply to <see cref="VideoSizeMessage"/>.</summary>
public sealed record VideoSizedMessage : SignalMessage
{
    public required string TrackId { get; init; }
    public required int MaxWidth { get; init; }
    public required int MaxHeight { get; init; }
}

/// <summary>Event to a publisher (dynacast): the simulcast encodings of its track on <see cref="Mid"/> that some
/// subscriber can use now, by rid, lowest first, always with the lowest. The client should send those and pause the
/// others. Sent when the set changes.</summary>
public sealed record LayersEvent : SignalMessage
{
    public required string Room { get; init; }
    public required string Mid { get; init; }
    public required IReadOnlyList<string> Rids { get; init; }
}

/// <summary>Client → server: this participant's signed membership statement for its current join (docs/e2ee.md,
/// "Membership statements"). The server stores it unread on the participant and sends everyone
/// <c>participant-updated</c>.</summary>
public sealed record MembershipMessage : SignalMessage
{
    /// <summary>The signed statement, base64 in JSON (1-<see cref="SignalLimits.MaxMembershipStatementBytes"/> bytes).</summary>
    public required byte[] Statement { get; init; }

    public override string? Validate() =>
        Statement is { Length: > 0 and <= SignalLimits.MaxMembershipStatementBytes } ? null
        : $"statement must be 1-{SignalLimits.MaxMembershipStatementBytes} bytes";

    public bool Equals(MembershipMessage? other) =>
        other is not null && base.Equals(other) && ByteArrays.Equal(Statement, other.Statement);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Statement?.Length);
}

/// <summary>Server → client: the reply to <see cref="MembershipMessage"/>: the statement is on the roster.</summary>
public sealed record MembershipRecordedMessage : SignalMessage;

/// <summary>Client → server: opaque end-to-end messages (wrapped keys, acknowledgements) for other participants of
/// the sender's call, relayed unread, each to the one participant it names.</summary>
public sealed record E2eeSendMessage : SignalMessage
{
    /// <summary>1-<see cref="SignalLimits.MaxE2eeMessagesPerSend"/> entries, each naming a different recipient.</summary>
    public required IReadOnlyList<E2eeOutgoing> Messages { get; init; }

    public override string? Validate()
    {
        if (Messages is null || Messages.Count is 0 or > SignalLimits.MaxE2eeMessagesPerSend)
            return $"messages must hold 1-{SignalLimits.MaxE2eeMessagesPerSend} entries";
        var recipients = new HashSet<string>(Messages.Count, StringComparer.Ordinal);
        foreach (E2eeOutgoing? message in Messages)
        {
            if (message is null || !Names.IsValidOpaqueId(message.To)) return "every entry needs a to (a session id)";
            if (message.Data is not { Length: > 0 and <= SignalLimits.MaxE2eeDataLength })
                return $"every entry needs data of 1-{SignalLimits.MaxE2eeDataLength} characters";
            if (!recipients.Add(message.To)) return "each recipient may be named once per e2ee-send";
        }
        return null;
    }

    public bool Equals(E2eeSendMessage? other) =>
        other is not null && base.Equals(other)
        && Lists.Equal(Messages, other.Messages);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Messages?.Count);
}

/// <summary>One opaque message of an <see cref="E2eeSendMessage"/>.</summary>
/// <param name="To">The recipient's session id.</param>
/// <param name="Data">What to pass on: 1-<see cref="SignalLimits.MaxE2eeDataLength"/> characters the server never reads.</param>
public sealed record E2eeOutgoing(string To, string Data);

/// <summary>Server → client: the reply to <see cref="E2eeSendMessage"/>.</summary>
public sealed record E2eeSentMessage : SignalMessage
{
    /// <summary>How many entries were handed to their recipient's connection.</summary>
    public required int Delivered { get; init; }

    /// <summary>The recipients of the entries that were not: not (or no longer) in the sender's call, or the sender itself.</summary>
    public required IReadOnlyList<string> Undelivered { get; init; }
}

/// <summary>Event: an opaque end-to-end message another participant of the call sent this session with
/// <c>e2ee-send</c>. Messages from one sender arrive in the order it sent them.</summary>
public sealed record E2eeEvent : SignalMessage
{
    public required string Room { get; init; }
    /// <summary>The sender's session id.</summary>
    public required string From { get; init; }
    /// <summary>The entry's data, unchanged.</summary>
    public required string Data { get; init; }
}

/// <summary>
/// Client → server: tells the other participants of the sender's call that it shared file <see cref="FileId"/> with
/// them (docs/files.md, "Sharing into a call"). The keys went first, by <c>PUT /api/files/{id}/keys</c>: only the
/// participants whose user holds a key for the file are told, and only the file's owner may offer it, once complete.
/// </summary>
public sealed record FileOfferMessage : SignalMessage
{
    public required string Room { get; init; }
    public required string FileId { get; init; }

    public override string? Validate() =>
        !Names.IsValidRoomName(Room) ? "room is not a room name"
        : !Names.IsValidOpaqueId(FileId) || FileId.Length > 64 ? "fileId must be 1-64 characters of A-Z a-z 0-9 - _"
        : null;
}

/// <summary>Server → client: the reply to <see cref="FileOfferMessage"/>, with how many participants were told.</summary>
public sealed record FileOfferSentMessage : SignalMessage
{
    public required string Room { get; init; }
    public required string FileId { get; init; }
    public required int Notified { get; init; }
}

/// <summary>Event: participant <see cref="From"/> (a session of user <see cref="UserId"/>) shared file
/// <see cref="FileId"/> (<see cref="Length"/> encrypted bytes) with this user; its key for this device is in
/// <c>GET /api/files/{id}</c>.</summary>
public sealed record FileOfferedEvent : SignalMessage
{
    public required string Room { get; init; }
    public required string FileId { get; init; }
    public required string From { get; init; }
    public required string UserId { get; init; }
    public required long Length { get; init; }
}

/// <summary>Value comparison of the byte fields of messages, so messages compare by content.</summary>
internal static class ByteArrays
{
    public static bool Equal(byte[]? a, byte[]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));
}

/// <summary>Value comparison of the list fields of messages (element by element), so messages compare by content.</summary>
internal static class Lists
{
    public static bool Equal<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.SequenceEqual(b));
}
