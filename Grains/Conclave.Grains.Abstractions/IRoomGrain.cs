namespace Conclave.Grains;

/// <summary>
/// A room, keyed by its name: the access-control list of the calls held in it.
/// State is persistent (storage provider <see cref="StorageNames.State"/>).
/// </summary>
public interface IRoomGrain : IGrainWithStringKey
{
    /// <summary>Creates the room with <paramref name="ownerUserId"/> as owner; <see cref="RoomStatus.AlreadyExists"/> if it exists.</summary>
    Task<RoomResult> CreateAsync(string ownerUserId);

    /// <summary>The room, or <see cref="RoomStatus.NotFound"/>.</summary>
    Task<RoomResult> GetAsync();

    /// <summary>Adds a member or changes an existing member's role. The owner's role cannot be lowered.</summary>
    Task<RoomResult> AddMemberAsync(string userId, RoomRole role);

    /// <summary>Removes a member (not the owner).</summary>
    Task<RoomResult> RemoveMemberAsync(string userId);

    /// <summary>Locks or unlocks the room. A locked room admits only its owner and hosts to the call.</summary>
    Task<RoomResult> SetLockedAsync(bool locked);

    /// <summary>Decides whether <paramref name="userId"/> may join the call: member and, when locked, host or owner.</summary>
    Task<JoinDecision> CheckJoinAsync(string userId);
}
