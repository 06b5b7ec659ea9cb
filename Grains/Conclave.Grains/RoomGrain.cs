using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Grains;

/// <summary>
/// A room's access-control list, persisted in <see cref="StorageNames.State"/>. Every operation answers with a
/// <see cref="RoomStatus"/>: invalid input is <see cref="RoomStatus.InvalidArgument"/>, never an exception.
/// </summary>
public sealed class RoomGrain(
    [PersistentState("room", StorageNames.State)] IPersistentState<RoomState> state) : Grain, IRoomGrain
{
    /// <summary>Upper bound on members per room, so one room's state stays small enough for any storage provider.</summary>
    public const int MaxMembers = 2_000;

    private static readonly RoomResult NotFound = new(RoomStatus.NotFound, null);
    private static readonly RoomResult InvalidArgument = new(RoomStatus.InvalidArgument, null);

    private RoomInfo? Room => state.State.Room;

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<RoomResult> CreateAsync(string ownerUserId)
    {
        string name = this.GetPrimaryKeyString();
        if (!InputRules.IsValidId(ownerUserId) || !InputRules.IsValidId(name)) return InvalidArgument;
        if (Room is not null) return new RoomResult(RoomStatus.AlreadyExists, null);

        var now = Clock.GetUtcNow();
        var room = new RoomInfo(name, ownerUserId, Locked: false, [new RoomMember(ownerUserId, RoomRole.Owner, now)], now);
        await state.CommitAsync(state.State with { Room = Normalize(room) });
        return Ok();
    }

    /// <inheritdoc />
    public Task<RoomResult> GetAsync() => Task.FromResult(Room is null ? NotFound : Ok());

    /// <inheritdoc />
    /// <remarks>
    /// <see cref="RoomStatus.InvalidArgument"/> for a bad user id or role, for <see cref="RoomRole.Owner"/> given to
    /// anyone but the owner (there is one owner), for lowering the owner, and for a room at <see cref="MaxMembers"/>.
    /// </remarks>
    public async Task<RoomResult> AddMemberAsync(string userId, RoomRole role)
    {
        if (!InputRules.IsValidId(userId) || !Enum.IsDefined(role)) return InvalidArgument;
        if (Room is not { } room) return NotFound;
        bool isOwner = userId == room.OwnerUserId;
        if (isOwner != (role == RoomRole.Owner)) return InvalidArgument;

        var members = new List<RoomMember>(room.Members.Count + 1);
        bool found = false;
        foreach (var member in room.Members)
        {
            if (member.UserId == userId)
            {
                found = true;
                if (member.Role == role) return Ok();
                members.Add(member with { Role = role });
            }
            else
            {
                members.Add(member);
            }
        }
        if (!found)
        {
            if (members.Count >= MaxMembers) return InvalidArgument;
            members.Add(new RoomMember(userId, role, Clock.GetUtcNow()));
        }

        await state.CommitAsync(state.State with { Room = room with { Members = members.ToArray() } });
        return Ok();
    }

    /// <inheritdoc />
    /// <remarks><see cref="RoomStatus.NotMember"/> if the user is not a member; <see cref="RoomStatus.InvalidArgument"/> for the owner.</remarks>
    public async Task<RoomResult> RemoveMemberAsync(string userId)
    {
        if (!InputRules.IsValidId(userId)) return InvalidArgument;
        if (Room is not { } room) return NotFound;
        if (userId == room.OwnerUserId) return InvalidArgument;

        var members = new List<RoomMember>(room.Members.Count);
        foreach (var member in room.Members)
        {
            if (member.UserId != userId) members.Add(member);
        }
        if (members.Count == room.Members.Count) return new RoomResult(RoomStatus.NotMember, null);

        await state.CommitAsync(state.State with { Room = room with { Members = members.ToArray() } });
        return Ok();
    }

    /// <inheritdoc />
    public async Task<RoomResult> SetLockedAsync(bool locked)
    {
        if (Room is not { } room) return NotFound;
        if (room.Locked != locked)
        {
            await state.CommitAsync(state.State with { Room = room with { Locked = locked } });
        }
        return Ok();
    }

    /// <inheritdoc />
    public Task<JoinDecision> CheckJoinAsync(string userId)
    {
        if (!InputRules.IsValidId(userId)) return Task.FromResult(new JoinDecision(RoomStatus.InvalidArgument, RoomRole.Member));
        if (Room is not { } room) return Task.FromResult(new JoinDecision(RoomStatus.NotFound, RoomRole.Member));

        foreach (var member in room.Members)
        {
            if (member.UserId != userId) continue;
            var status = room.Locked && member.Role < RoomRole.Host ? RoomStatus.Locked : RoomStatus.Ok;
            return Task.FromResult(new JoinDecision(status, member.Role));
        }
        return Task.FromResult(new JoinDecision(RoomStatus.NotMember, RoomRole.Member));
    }

    private RoomResult Ok() => new(RoomStatus.Ok, Room);

    // A collection expression typed as IReadOnlyList<T> may compile to a type no serializer knows: store arrays.
    private static RoomInfo Normalize(RoomInfo room) => room with { Members = room.Members.ToArray() };
}
