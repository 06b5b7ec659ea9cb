namespace Conclave.Grains;

/// <summary>What a member may do in a room. Higher values include the rights of lower ones.</summary>
public enum RoomRole
{
    /// <summary>May join the call while the room is unlocked.</summary>
    Member = 0,
    /// <summary>May join a locked room and moderate.</summary>
    Host = 1,
    /// <summary>Created the room or was given it; everything a host may do.</summary>
    Owner = 2,
}
