namespace Conclave.Grains;

/// <summary>One device connection in a call's live roster.</summary>
/// <param name="SessionId">The signaling session that carries this participant.</param>
/// <param name="UserId">The authenticated user.</param>
/// <param name="DeviceId">The user's device, as named in its token.</param>
/// <param name="DisplayName">The name other participants see.</param>
/// <param name="Role">The user's role in the room.</param>
/// <param name="DevicePublicKeys">The device's public keys as registered with its user; opaque to the server.</param>
/// <param name="JoinedAt">When the participant entered the roster.</param>
/// <param name="JoinVersion">The roster version produced by the participant's latest join.</param>
/// <param name="Membership">The participant's signed membership statement for that join, empty until it sent one; opaque
/// to the server (clients verify it, docs/e2ee.md). A new join clears it.</param>
[GenerateSerializer, Immutable, Alias("participant")]
public sealed record Participant(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string UserId,
    [property: Id(2)] string DeviceId,
    [property: Id(3)] string DisplayName,
    [property: Id(4)] RoomRole Role,
    [property: Id(5)] byte[] DevicePublicKeys,
    [property: Id(6)] DateTimeOffset JoinedAt,
    [property: Id(7)] long JoinVersion,
    [property: Id(8)] byte[] Membership);

/// <summary>Why a participant left the roster.</summary>
public enum LeaveReason
{
    /// <summary>The participant left: asked to, closed its connection normally, or joined another room.</summary>
    Left = 0,
    /// <summary>The session missed its heartbeats and expired.</summary>
    Expired = 1,
    /// <summary>The session ended with the silo that hosted it (shutdown).</summary>
    Closed = 2,
}

/// <summary>The call's roster at one <paramref name="Version"/>; every roster change increments the version.</summary>
/// <param name="CallId">The call's random id, made when its roster went from empty to non-empty; null while empty.</param>
[GenerateSerializer, Immutable, Alias("call-snapshot")]
public sealed record CallSnapshot(
    [property: Id(0)] string Room,
    [property: Id(1)] string? MediaNode,
    [property: Id(2)] long Version,
    [property: Id(3)] IReadOnlyList<Participant> Participants,
    [property: Id(4)] string? CallId);

/// <summary>An opaque end-to-end message for one participant of the sender's call.</summary>
/// <param name="To">The recipient's session id.</param>
/// <param name="Data">What to deliver, unread.</param>
[GenerateSerializer, Immutable, Alias("e2ee-envelope")]
public sealed record E2eeEnvelope(
    [property: Id(0)] string To,
    [property: Id(1)] string Data);

/// <summary>Outcome of a relay: how many envelopes reached a recipient's connection, and the recipients of the others
/// (not in the call, or the sender itself), in the order given.</summary>
[GenerateSerializer, Immutable, Alias("e2ee-relay-result")]
public sealed record E2eeRelayResult(
    [property: Id(0)] int Delivered,
    [property: Id(1)] IReadOnlyList<string> Undelivered);

/// <summary>Outcome of a join: the room's decision, and the roster when admitted.</summary>
[GenerateSerializer, Immutable, Alias("call-join-result")]
public sealed record CallJoinResult(
    [property: Id(0)] RoomStatus Status,
    [property: Id(1)] CallSnapshot? Call);
