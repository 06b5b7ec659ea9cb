using Conclave.Grains;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Api;

/// <summary>Maps grain state to the wire's names and shapes.</summary>
public static class RoleNames
{
    public static string ToWire(RoomRole role) => role switch
    {
        RoomRole.Owner => "owner",
        RoomRole.Host => "host",
        _ => "member",
    };

    /// <summary>Parses <c>member</c> or <c>host</c> (owners are made by creating a room).</summary>
    public static bool TryParseGrantable(string? text, out RoomRole role)
    {
        role = text switch { "member" or null or "" => RoomRole.Member, "host" => RoomRole.Host, _ => (RoomRole)(-1) };
        return role is RoomRole.Member or RoomRole.Host;
    }

    public static RoomDto ToDto(RoomInfo room) => new(
        room.Name,
        room.OwnerUserId,
        room.Locked,
        room.Members.Select(m => new RoomMemberDto(m.UserId, ToWire(m.Role), m.AddedAt)).ToList(),
        room.CreatedAt);

    public static ParticipantInfo ToWire(Participant p) =>
        new(p.SessionId, p.UserId, p.DeviceId, p.DisplayName, ToWire(p.Role), p.DevicePublicKeys, p.JoinedAt, p.JoinVersion, p.Membership);

    public static string ToWire(LeaveReason reason) => reason switch
    {
        LeaveReason.Expired => "expired",
        LeaveReason.Closed => "closed",
        _ => "left",
    };
}
