namespace Conclave.Grains.Tests;

/// <summary>A dropped connection can take its session back with the resume token, and only with it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ResumeTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ResumeAfterDisconnectKeepsParticipantAndReattachesEvents()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var other = await TestSession.OpenAsync(Client, alice, "Alice");
        var resumed = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(other.Grain, resumed.Grain);
        await other.Grain.JoinAsync(room, "media-a");
        await resumed.Grain.JoinAsync(room, "media-a");

        await resumed.Grain.DisconnectedAsync(resumed.Observer.Reference);
        var newConnection = RecordingObserver.Create(Client);
        var result = await resumed.Grain.ResumeAsync(bob, resumed.Opened.ResumeToken, newConnection.Reference);

        Assert.Equal(ResumeStatus.Ok, result.Status);
        Assert.Equal(resumed.Identity, result.Identity);
        Assert.NotEqual(resumed.Opened.ResumeToken, result.Session!.ResumeToken);
        Assert.Equal(ClusterFixture.SessionTimeout, result.Session.Timeout);
        Assert.Contains(result.Call!.Participants, p => p.SessionId == resumed.Id);
        Assert.Equal(result.Call.Participants, (await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync()).Participants);

        await other.Grain.UpdateDisplayNameAsync("Alicia");
        await newConnection.WaitForAsync<ObservedEvent.Updated>(e => e.Participant.DisplayName == "Alicia", "the resumed connection to get events");
        Assert.DoesNotContain(resumed.Observer.Events, e => e is ObservedEvent.Updated); // the dropped connection gets nothing more
        Assert.DoesNotContain(resumed.Observer.Events, e => e is ObservedEvent.Ended); // it had already gone: nothing to replace

        // The token is single use: the old one no longer works, the new one does.
        Assert.Equal(ResumeStatus.Forbidden, (await resumed.Grain.ResumeAsync(bob, resumed.Opened.ResumeToken, newConnection.Reference)).Status);
        Assert.Equal(ResumeStatus.Ok, (await resumed.Grain.ResumeAsync(bob, result.Session.ResumeToken, newConnection.Reference)).Status);
    }

    [Fact]
    public async Task ResumeWhileConnectedTellsTheOldConnectionItWasReplaced()
    {
        string bob = TestIds.New("bob");
        var session = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(session.Grain);
        var newConnection = RecordingObserver.Create(Client);

        var result = await session.Grain.ResumeAsync(bob, session.Opened.ResumeToken, newConnection.Reference);

        Assert.Equal(ResumeStatus.Ok, result.Status);
        Assert.Null(result.Call);
        var ended = await session.Observer.WaitForAsync<ObservedEvent.Ended>(_ => true, "the old connection to be told");
        Assert.Equal(SessionEndReason.Replaced, ended.Reason);

        // A late disconnect report from the replaced connection must not orphan the new one.
        await session.Grain.DisconnectedAsync(session.Observer.Reference);
        await session.Grain.CloseAsync(null);
        Assert.Equal(SessionEndReason.Closed, (await newConnection.WaitForAsync<ObservedEvent.Ended>(_ => true, "the new connection to be closed")).Reason);
    }

    [Fact]
    public async Task ResumeWithWrongTokenOrUserIsForbidden()
    {
        string bob = TestIds.New("bob");
        var session = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(session.Grain);
        var intruder = RecordingObserver.Create(Client);

        string forged = session.Opened.ResumeToken[..^1] + (session.Opened.ResumeToken[^1] == 'A' ? 'B' : 'A');
        Assert.Equal(ResumeStatus.Forbidden, (await session.Grain.ResumeAsync(bob, forged, intruder.Reference)).Status);
        Assert.Equal(ResumeStatus.Forbidden, (await session.Grain.ResumeAsync(bob, "", intruder.Reference)).Status);
        Assert.Equal(ResumeStatus.Forbidden, (await session.Grain.ResumeAsync(bob, new string('x', 100_000), intruder.Reference)).Status);
        Assert.Equal(ResumeStatus.Forbidden, (await session.Grain.ResumeAsync(TestIds.New("mallory"), session.Opened.ResumeToken, intruder.Reference)).Status);

        Assert.Empty(session.Observer.Events); // the rightful connection was not replaced
        Assert.Equal(ResumeStatus.Ok, (await session.Grain.ResumeAsync(bob, session.Opened.ResumeToken, session.Observer.Reference)).Status);
    }

    [Fact]
    public async Task ResumeOfUnknownSessionIsExpired()
    {
        var observer = RecordingObserver.Create(Client);
        var unknown = Client.GetGrain<ISessionGrain>(TestIds.New("unknown"));

        var result = await unknown.ResumeAsync(TestIds.New("bob"), "c29tZS10b2tlbg", observer.Reference);

        Assert.Equal(ResumeStatus.Expired, result.Status);
        Assert.Null(result.Identity);
        Assert.False(await unknown.HeartbeatAsync());
    }

    [Fact]
    public async Task OpeningASessionTwiceIsRefused()
    {
        var session = await TestSession.OpenAsync(Client, TestIds.New("bob"), "Bob");
        await using var heartbeats = new HeartbeatPump(session.Grain);

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.Grain.OpenAsync(session.Identity, session.Observer.Reference));
        Assert.Equal(ClusterFixture.HeartbeatInterval, session.Opened.HeartbeatInterval);
        Assert.Equal(43, session.Opened.ResumeToken.Length); // 32 bytes, base64url without padding
    }
}
