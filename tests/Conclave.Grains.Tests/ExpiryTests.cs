namespace Conclave.Grains.Tests;

/// <summary>Sessions that stop heartbeating leave their call; sessions that keep heartbeating stay.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ExpiryTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task SilentSessionIsEvictedWhileHeartbeatingSessionStays()
    {
        string alice = TestIds.New("alice"), ghost = TestIds.New("ghost");
        string room = await TestRooms.CreateAsync(Client, alice, (ghost, RoomRole.Member));
        var live = await TestSession.OpenAsync(Client, alice, "Alice");
        var silent = await TestSession.OpenAsync(Client, ghost, "Ghost");
        await using var heartbeats = new HeartbeatPump(live.Grain); // the silent session never beats
        await live.Grain.JoinAsync(room, "media-a");
        await silent.Grain.JoinAsync(room, "media-a");
        var call = Client.GetGrain<ICallGrain>(room);

        await Wait.UntilAsync(
            async () => (await call.GetSnapshotAsync()).Participants.All(p => p.SessionId != silent.Id),
            "the silent session has left the roster");

        var left = await live.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == silent.Id, "the live session to see the ghost leave");
        Assert.Equal(LeaveReason.Expired, left.Reason);
        var ended = await silent.Observer.WaitForAsync<ObservedEvent.Ended>(_ => true, "the ghost's connection to be told it ended");
        Assert.Equal(SessionEndReason.Expired, ended.Reason);

        // The live session outlived a whole timeout (the ghost's) and is still there.
        Assert.Equal(live.Id, Assert.Single((await call.GetSnapshotAsync()).Participants).SessionId);
        Assert.True(await live.Grain.HeartbeatAsync());
        Assert.True(await live.Grain.IsInCallAsync(room));
        Assert.DoesNotContain(live.Observer.Events, e => e is ObservedEvent.Ended);

        Assert.False(await silent.Grain.HeartbeatAsync());
        Assert.Equal(ResumeStatus.Expired, (await silent.Grain.ResumeAsync(ghost, silent.Opened.ResumeToken, silent.Observer.Reference)).Status);
    }

    [Fact]
    public async Task CallEvictsParticipantWhoseSessionIsUnknown()
    {
        // A roster entry whose session grain is gone (for example lost with a crashed silo) is found by the call's own check.
        string alice = TestIds.New("alice"), lost = TestIds.New("lost");
        string room = await TestRooms.CreateAsync(Client, alice, (lost, RoomRole.Member));
        var live = await TestSession.OpenAsync(Client, alice, "Alice");
        await using var heartbeats = new HeartbeatPump(live.Grain);
        await live.Grain.JoinAsync(room, "media-a");
        var call = Client.GetGrain<ICallGrain>(room);
        var orphanObserver = RecordingObserver.Create(Client);
        string orphanSession = TestIds.New("never-opened");

        var joined = await call.JoinAsync(new ParticipantJoin(orphanSession, lost, "device", "Lost"), orphanObserver.Reference, "media-a");
        Assert.Equal(RoomStatus.Ok, joined.Status);

        var left = await live.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == orphanSession, "the orphan to be evicted");
        Assert.Equal(LeaveReason.Expired, left.Reason);
        Assert.Equal(live.Id, Assert.Single((await call.GetSnapshotAsync()).Participants).SessionId);
        GC.KeepAlive(orphanObserver);
    }

    [Fact]
    public async Task SessionDeactivatedBySiloLeavesItsCall()
    {
        // What a graceful silo shutdown does to a live session: it leaves at once instead of waiting to be found as a ghost.
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var watcher = await TestSession.OpenAsync(Client, alice, "Alice");
        var dropped = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(watcher.Grain);
        await watcher.Grain.JoinAsync(room, "media-a");
        await dropped.Grain.JoinAsync(room, "media-a");

        await fixture.Cluster.DeactivateAsync(dropped.Grain);

        var left = await watcher.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == dropped.Id, "the deactivated session to leave");
        Assert.Equal(LeaveReason.Closed, left.Reason);
        Assert.Equal(SessionEndReason.Closed, (await dropped.Observer.WaitForAsync<ObservedEvent.Ended>(_ => true, "its connection to be told")).Reason);
        Assert.False(await dropped.Grain.HeartbeatAsync()); // a new activation knows nothing of the session
    }

    [Fact]
    public async Task ClosedSessionLeavesItsCallAndStopsAnswering()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var watcher = await TestSession.OpenAsync(Client, alice, "Alice");
        var closing = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(watcher.Grain, closing.Grain);
        await watcher.Grain.JoinAsync(room, "media-a");
        await closing.Grain.JoinAsync(room, "media-a");

        await closing.Grain.CloseAsync(null);

        Assert.DoesNotContain((await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync()).Participants, p => p.SessionId == closing.Id);
        var left = await watcher.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == closing.Id, "the closed session to leave");
        Assert.Equal(LeaveReason.Left, left.Reason);
        Assert.Equal(SessionEndReason.Closed, (await closing.Observer.WaitForAsync<ObservedEvent.Ended>(_ => true, "the closed session's end")).Reason);
        Assert.False(await closing.Grain.HeartbeatAsync());
        Assert.False(await closing.Grain.IsInCallAsync(room));
        await Assert.ThrowsAsync<InvalidOperationException>(() => closing.Grain.JoinAsync(room, "media-a"));
    }
}
