namespace Conclave.Grains;

/// <summary>
/// The live call of one room, keyed by the room name: its roster and the media node that hosts it.
/// Volatile: the roster is rebuilt by the sessions that join. Only <see cref="ISessionGrain"/> calls it.
/// </summary>
public interface ICallGrain : IGrainWithStringKey
{
    /// <summary>
    /// Admits the participant if the room allows it (checked against <see cref="IRoomGrain"/>),
    /// records <paramref name="mediaNode"/> as the call's node when the call starts, and tells the
    /// others. Joining again with the same session replaces the earlier entry.
    /// </summary>
    Task<CallJoinResult> JoinAsync(ParticipantJoin join, ISessionObserver observer, string mediaNode);

    /// <summary>Points an existing participant's events at a new connection (resume). Null if not in the roster.</summary>
    Task<CallSnapshot?> AttachAsync(string sessionId, ISessionObserver observer);

    /// <summary>
    /// Removes the participant and tells the others, with its signed leave <paramref name="statement"/> (opaque, null for
    /// none). Does nothing if absent.
    /// </summary>
    Task LeaveAsync(string sessionId, LeaveReason reason, byte[]? statement);

    /// <summary>Changes a participant's display name and tells everyone. Null if not in the roster.</summary>
    Task<CallSnapshot?> UpdateDisplayNameAsync(string sessionId, string displayName);

    /// <summary>
    /// Stores the participant's signed membership statement (opaque) and tells everyone, the participant included.
    /// Null if not in the roster.
    /// </summary>
    Task<CallSnapshot?> SetMembershipAsync(string sessionId, byte[] statement);

    /// <summary>
    /// Hands each envelope to its recipient's connection if the recipient is in this call and is not
    /// <paramref name="fromSessionId"/>. Null if the sender is not in the roster.
    /// </summary>
    Task<E2eeRelayResult?> RelayE2eeAsync(string fromSessionId, IReadOnlyList<E2eeEnvelope> messages);

    /// <summary>The current roster.</summary>
    Task<CallSnapshot> GetSnapshotAsync();

    /// <summary>Tells every other participant whose user is in <paramref name="recipientUserIds"/> that
    /// <paramref name="fromSessionId"/> shared <paramref name="fileId"/>; how many were told, or null if the sender is
    /// not in the call. The session grain checked the file first (<see cref="ISessionGrain.OfferFileAsync"/>).</summary>
    Task<int?> OfferFileAsync(string fromSessionId, string fileId, long length, IReadOnlyList<string> recipientUserIds);
}

/// <summary>Who is joining: the session's identity; the call adds role and device keys from grain state.</summary>
[GenerateSerializer, Immutable, Alias("participant-join")]
public sealed record ParticipantJoin(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string DeviceId,
    [property: Id(3)] string DisplayName);
