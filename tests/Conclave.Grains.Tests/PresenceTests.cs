namespace Conclave.Grains.Tests;

/// <summary>Roster changes reach the other participants' connections, with increasing versions.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PresenceTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task JoinUpdateAndLeaveAreDeliveredToOtherParticipants()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var first = await TestSession.OpenAsync(Client, alice, "Alice");
        var second = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(first.Grain, second.Grain);

        var firstJoin = await first.Grain.JoinAsync(room, "media-a");
        Assert.Equal(RoomStatus.Ok, firstJoin.Status);
        Assert.Equal("media-a", firstJoin.Call!.MediaNode);
        Assert.Equal(RoomRole.Owner, Assert.Single(firstJoin.Call.Participants).Role);

        var secondJoin = await second.Grain.JoinAsync(room, "media-b");
        Assert.Equal(RoomStatus.Ok, secondJoin.Status);
        Assert.Equal("media-a", secondJoin.Call!.MediaNode); // the node is chosen by the first join
        Assert.Equal([first.Id, second.Id], secondJoin.Call.Participants.Select(p => p.SessionId));
        Assert.True(secondJoin.Call.Version > firstJoin.Call.Version);

        var joined = await first.Observer.WaitForAsync<ObservedEvent.Joined>(e => e.Participant.SessionId == second.Id, "alice to see bob join");
        Assert.Equal(room, joined.Room);
        Assert.Equal(secondJoin.Call.Version, joined.Version);
        Assert.Equal(bob, joined.Participant.UserId);
        Assert.Equal("Bob", joined.Participant.DisplayName);
        Assert.Equal(RoomRole.Member, joined.Participant.Role);

        var renamed = await second.Grain.UpdateDisplayNameAsync("Robert");
        Assert.Equal("Robert", renamed!.Participants.Single(p => p.SessionId == second.Id).DisplayName);
        var updatedForFirst = await first.Observer.WaitForAsync<ObservedEvent.Updated>(e => e.Participant.DisplayName == "Robert", "alice to see bob's new name");
        var updatedForSecond = await second.Observer.WaitForAsync<ObservedEvent.Updated>(e => e.Participant.DisplayName == "Robert", "bob to see his new name");
        Assert.Equal(renamed.Version, updatedForFirst.Version);
        Assert.Equal(renamed.Version, updatedForSecond.Version);
        Assert.True(renamed.Version > joined.Version);

        Assert.Equal(room, await second.Grain.LeaveAsync(null));
        var left = await first.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == second.Id, "alice to see bob leave");
        Assert.Equal(LeaveReason.Left, left.Reason);
        Assert.True(left.Version > renamed.Version);

        var snapshot = await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync();
        Assert.Equal(first.Id, Assert.Single(snapshot.Participants).SessionId);
        Assert.Equal(left.Version, snapshot.Version);
        Assert.DoesNotContain(second.Observer.Events, e => e is ObservedEvent.Joined j && j.Participant.SessionId == second.Id);

        var versions = first.Observer.Events.Select(VersionOf).OfType<long>().ToArray();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Length, versions.Distinct().Count());
    }

    [Fact]
    public async Task CallForgetsMediaNodeWhenLastParticipantLeaves()
    {
        string alice = TestIds.New("alice");
        string room = await TestRooms.CreateAsync(Client, alice);
        var session = await TestSession.OpenAsync(Client, alice, "Alice");
        await using var heartbeats = new HeartbeatPump(session.Grain);

        Assert.Equal(RoomStatus.Ok, (await session.Grain.JoinAsync(room, "media-a")).Status);
        await session.Grain.LeaveAsync(null);
        var empty = await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync();
        Assert.Empty(empty.Participants);
        Assert.Null(empty.MediaNode);

        var again = await session.Grain.JoinAsync(room, "media-b");
        Assert.Equal("media-b", again.Call!.MediaNode);
        Assert.True(again.Call.Version > empty.Version);
    }

    [Fact]
    public async Task JoiningAnotherRoomLeavesTheFirst()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string first = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        string second = await TestRooms.CreateAsync(Client, bob);
        var watcher = await TestSession.OpenAsync(Client, alice, "Alice");
        var mover = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(watcher.Grain, mover.Grain);
        await watcher.Grain.JoinAsync(first, "media-a");
        await mover.Grain.JoinAsync(first, "media-a");

        Assert.Equal(RoomStatus.Ok, (await mover.Grain.JoinAsync(second, "media-a")).Status);

        var left = await watcher.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == mover.Id, "the mover to leave the first room");
        Assert.Equal(LeaveReason.Left, left.Reason);
        Assert.True(await mover.Grain.IsInCallAsync(second));
        Assert.False(await mover.Grain.IsInCallAsync(first));
        Assert.DoesNotContain((await Client.GetGrain<ICallGrain>(first).GetSnapshotAsync()).Participants, p => p.SessionId == mover.Id);
    }

    [Fact]
    public async Task ParticipantCarriesTheDeviceKeysRegisteredWithTheUser()
    {
        string alice = TestIds.New("alice");
        string room = await TestRooms.CreateAsync(Client, alice);
        var session = await TestSession.OpenAsync(Client, alice, "Alice");
        var user = Client.GetGrain<IUserGrain>(alice);
        await user.SetDisplayNameAsync("Alice");
        byte[] keys = [1, 2, 3, 4, 5];
        await user.RegisterDeviceAsync(session.Identity.DeviceId, keys);
        await using var heartbeats = new HeartbeatPump(session.Grain);

        var joined = await session.Grain.JoinAsync(room, "media-a");

        Assert.Equal(keys, Assert.Single(joined.Call!.Participants).DevicePublicKeys);
    }

    private static long? VersionOf(ObservedEvent e) => e switch
    {
        ObservedEvent.Joined j => j.Version,
        ObservedEvent.Left l => l.Version,
        ObservedEvent.Updated u => u.Version,
        _ => null,
    };
}
