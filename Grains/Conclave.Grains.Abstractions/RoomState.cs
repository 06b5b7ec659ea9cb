namespace Conclave.Grains;

/// <summary>One member of a room and the role they hold.</summary>
[GenerateSerializer, Immutable, Alias("room-member")]
public sealed record RoomMember(
    [property: Id(0)] string UserId,
    [property: Id(1)] RoomRole Role,
    [property: Id(2)] DateTimeOffset AddedAt);

/// <summary>The persistent description of a room: its name, owner, members and lock.</summary>
[GenerateSerializer, Immutable, Alias("room-info")]
public sealed record RoomInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string OwnerUserId,
    [property: Id(2)] bool Locked,
    [property: Id(3)] IReadOnlyList<RoomMember> Members,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>Outcome of a room operation, so callers get a clear reason instead of an exception.</summary>
public enum RoomStatus
{
    Ok = 0,
    NotFound = 1,
    AlreadyExists = 2,
    NotMember = 3,
    Locked = 4,
    InvalidArgument = 5,
}

/// <summary>A room operation's status and, when it succeeded, the room as it now is.</summary>
[GenerateSerializer, Immutable, Alias("room-result")]
public sealed record RoomResult(
    [property: Id(0)] RoomStatus Status,
    [property: Id(1)] RoomInfo? Room);

/// <summary>Whether a user may join the room's call now, and with which role.</summary>
[GenerateSerializer, Immutable, Alias("join-decision")]
public sealed record JoinDecision(
    [property: Id(0)] RoomStatus Status,
    [property: Id(1)] RoomRole Role);
