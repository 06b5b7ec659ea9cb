namespace Conclave.Grains;

/// <summary>
/// Liveness of one device connection, keyed by a random session id. A session that misses its
/// heartbeats for <c>SessionOptions.Timeout</c> leaves its call, so no ghost stays in a roster.
/// A dropped connection may resume the session within that time with its resume token.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>Starts the session for an authenticated device and returns the secret that resumes it.</summary>
    Task<SessionOpened> OpenAsync(SessionIdentity identity, ISessionObserver observer);

    /// <summary>
    /// Hands the session to a new connection if <paramref name="userId"/> owns it and
    /// <paramref name="resumeToken"/> matches; the earlier connection is told it was replaced.
    /// </summary>
    Task<SessionResumed> ResumeAsync(string userId, string resumeToken, ISessionObserver observer);

    /// <summary>Joins the call of <paramref name="room"/>, leaving any other call first.</summary>
    Task<CallJoinResult> JoinAsync(string room, string mediaNode);

    /// <summary>
    /// Leaves the current call, if any, passing the signed leave <paramref name="statement"/> (opaque, null for none) to
    /// the others; returns the room left.
    /// </summary>
    Task<string?> LeaveAsync(byte[]? statement);

    /// <summary>
    /// Records the session's signed membership statement (opaque) on its participant in its call. Returns the call's
    /// roster, or null if the session is in no call.
    /// </summary>
    Task<CallSnapshot?> SetMembershipAsync(byte[] statement);

    /// <summary>Relays opaque messages to other participants of the session's call. Null if the session is in no call.</summary>
    Task<E2eeRelayResult?> RelayE2eeAsync(IReadOnlyList<E2eeEnvelope> messages);

    /// <summary>Tells the participants of the session's call who hold a key for file <paramref name="fileId"/> that this
    /// session shared it. Only the file's owner may, once the file is complete (checked against the file grain).</summary>
    Task<FileOfferResult> OfferFileAsync(string fileId);

    /// <summary>Changes the session's display name, in its call too. Returns the call's roster if in one.</summary>
    Task<CallSnapshot?> UpdateDisplayNameAsync(string displayName);

    /// <summary>Proof of life from the connection. False if the session has ended.</summary>
    Task<bool> HeartbeatAsync();

    /// <summary>The connection carrying <paramref name="observer"/> dropped; the session waits for a resume until it expires.</summary>
    Task DisconnectedAsync(ISessionObserver observer);

    /// <summary>
    /// Ends the session now and leaves its call. The connection carrying the session is told
    /// <see cref="SessionEndReason.Closed"/>, unless it is <paramref name="closingConnection"/>, the one asking
    /// (it is going away and may no longer be reachable).
    /// </summary>
    Task CloseAsync(ISessionObserver? closingConnection);

    /// <summary>True while the session is alive and in the call of <paramref name="room"/>.</summary>
    Task<bool> IsInCallAsync(string room);
}

/// <summary>The authenticated identity a session speaks for.</summary>
[GenerateSerializer, Immutable, Alias("session-identity")]
public sealed record SessionIdentity(
    [property: Id(0)] string UserId,
    [property: Id(1)] string DeviceId,
    [property: Id(2)] string DisplayName);

/// <summary>A new session's resume secret and liveness contract.</summary>
[GenerateSerializer, Immutable, Alias("session-opened")]
public sealed record SessionOpened(
    [property: Id(0)] string ResumeToken,
    [property: Id(1)] TimeSpan HeartbeatInterval,
    [property: Id(2)] TimeSpan Timeout);

/// <summary>Status of a resume attempt.</summary>
public enum ResumeStatus
{
    Ok = 0,
    /// <summary>Unknown, expired or closed session.</summary>
    Expired = 1,
    /// <summary>Wrong user or wrong resume token.</summary>
    Forbidden = 2,
}

/// <summary>A resume's outcome: the identity, a fresh resume token, and the call the session is in.</summary>
[GenerateSerializer, Immutable, Alias("session-resumed")]
public sealed record SessionResumed(
    [property: Id(0)] ResumeStatus Status,
    [property: Id(1)] SessionIdentity? Identity,
    [property: Id(2)] SessionOpened? Session,
    [property: Id(3)] CallSnapshot? Call);

/// <summary>What became of a file offer.</summary>
public enum FileOfferStatus
{
    Ok,
    /// <summary>The session is in no call.</summary>
    NotInCall,
    /// <summary>No such file (or it expired), or it is not the session user's.</summary>
    NotFound,
    /// <summary>The file is someone else's: only its owner may offer it.</summary>
    NotOwner,
    /// <summary>The upload is not complete.</summary>
    NotComplete,
}

/// <summary>The outcome of <see cref="ISessionGrain.OfferFileAsync"/>: how many participants were told.</summary>
[GenerateSerializer, Immutable, Alias("file-offer-result")]
public sealed record FileOfferResult([property: Id(0)] FileOfferStatus Status, [property: Id(1)] int Notified = 0);
