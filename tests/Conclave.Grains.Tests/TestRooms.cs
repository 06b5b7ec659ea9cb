namespace Conclave.Grains.Tests;

/// <summary>Room set-up shared by the tests.</summary>
public static class TestRooms
{
    /// <summary>Creates a room owned by <paramref name="owner"/> with the given extra members; returns its name.</summary>
    public static async Task<string> CreateAsync(IClusterClient client, string owner, params (string UserId, RoomRole Role)[] members)
    {
        string name = TestIds.New("room");
        var room = client.GetGrain<IRoomGrain>(name);
        Assert.Equal(RoomStatus.Ok, (await room.CreateAsync(owner)).Status);
        foreach (var (userId, role) in members)
        {
            Assert.Equal(RoomStatus.Ok, (await room.AddMemberAsync(userId, role)).Status);
        }
        return name;
    }
}
