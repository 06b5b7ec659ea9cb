using Conclave.Signaling.Protocol;

namespace Conclave.Grains.Tests;

/// <summary>
/// The server side of end-to-end key management: the call id, each participant's join version, membership and leave
/// statements stored and passed on unread, and the relay of opaque messages to current participants of the same call.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class E2eeKeyManagementTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task CallIdIsNewWhenTheCallStartsFromEmpty_AndStaysWhilePeopleAreInIt()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var first = await TestSession.OpenAsync(Client, alice, "Alice");
        var second = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(first.Grain, second.Grain);
        var call = Client.GetGrain<ICallGrain>(room);

        string callId = (await first.Grain.JoinAsync(room, "media-a")).Call!.CallId!;
        Assert.Equal(22, callId.Length);
        Assert.True(Names.IsValidOpaqueId(callId));

        Assert.Equal(callId, (await second.Grain.JoinAsync(room, "media-a")).Call!.CallId);
        await first.Grain.LeaveAsync(null);
        Assert.Equal(callId, (await call.GetSnapshotAsync()).CallId);              // Bob is still in it
        Assert.Equal(callId, (await first.Grain.JoinAsync(room, "media-a")).Call!.CallId);
        Assert.Equal(callId, (await first.Grain.JoinAsync(room, "media-a")).Call!.CallId); // a re-join is the same call

        await first.Grain.LeaveAsync(null);
        await second.Grain.LeaveAsync(null);
        Assert.Null((await call.GetSnapshotAsync()).CallId);

        string next = (await second.Grain.JoinAsync(room, "media-a")).Call!.CallId!;
        Assert.NotEqual(callId, next);
        Assert.True(Names.IsValidOpaqueId(next));
        Assert.Equal(next, (await call.GetSnapshotAsync()).CallId);
    }

    [Fact]
    public async Task JoinVersionIsTheVersionOfTheParticipantsLatestJoin()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var first = await TestSession.OpenAsync(Client, alice, "Alice");
        var second = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(first.Grain, second.Grain);

        CallSnapshot aliceJoin = (await first.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.Equal(aliceJoin.Version, Assert.Single(aliceJoin.Participants).JoinVersion);

        CallSnapshot bobJoin = (await second.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.Equal(bobJoin.Version, Participant(bobJoin, second.Id).JoinVersion);
        Assert.Equal(aliceJoin.Version, Participant(bobJoin, first.Id).JoinVersion);
        var seen = await first.Observer.WaitForAsync<ObservedEvent.Joined>(e => e.Participant.SessionId == second.Id, "alice to see bob join");
        Assert.Equal(seen.Version, seen.Participant.JoinVersion);

        await second.Grain.UpdateDisplayNameAsync("Robert");                     // other changes keep the join version
        CallSnapshot renamed = await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync();
        Assert.True(renamed.Version > bobJoin.Version);
        Assert.Equal(bobJoin.Version, Participant(renamed, second.Id).JoinVersion);

        CallSnapshot rejoin = (await second.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.Equal(rejoin.Version, Participant(rejoin, second.Id).JoinVersion);
        Assert.True(rejoin.Version > renamed.Version);
        Assert.Equal(Participant(bobJoin, second.Id).JoinedAt, Participant(rejoin, second.Id).JoinedAt);
    }

    [Fact]
    public async Task MembershipIsStoredAndBroadcastToEveryone_SeenByLaterJoiners_AndClearedByARejoin()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob"), carol = TestIds.New("carol");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member), (carol, RoomRole.Member));
        var first = await TestSession.OpenAsync(Client, alice, "Alice");
        var second = await TestSession.OpenAsync(Client, bob, "Bob");
        var third = await TestSession.OpenAsync(Client, carol, "Carol");
        await using var heartbeats = new HeartbeatPump(first.Grain, second.Grain, third.Grain);
        await first.Grain.JoinAsync(room, "media-a");
        CallSnapshot before = (await second.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.All(before.Participants, p => Assert.Empty(p.Membership));
        byte[] statement = Statement(1, 300);

        CallSnapshot recorded = (await second.Grain.SetMembershipAsync(statement))!;

        Assert.Equal(statement, Participant(recorded, second.Id).Membership);
        Assert.Equal(before.Version + 1, recorded.Version);
        Assert.Equal(before.Version, Participant(recorded, second.Id).JoinVersion);
        foreach (var observer in new[] { first.Observer, second.Observer })
        {
            var updated = await observer.WaitForAsync<ObservedEvent.Updated>(e => e.Participant.SessionId == second.Id, "bob's statement to reach everyone");
            Assert.Equal(recorded.Version, updated.Version);
            Assert.Equal(statement, updated.Participant.Membership);
        }

        // The same statement again changes nothing.
        Assert.Equal(recorded.Version, (await second.Grain.SetMembershipAsync(Statement(1, 300)))!.Version);

        CallSnapshot carolJoin = (await third.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.Equal(statement, Participant(carolJoin, second.Id).Membership);
        Assert.Empty(Participant(carolJoin, third.Id).Membership);

        // A new statement replaces the old one; a re-join clears it (the client signs one for the new join version).
        byte[] replacement = Statement(2, SignalLimits.MaxMembershipStatementBytes);
        Assert.Equal(replacement, Participant((await second.Grain.SetMembershipAsync(replacement))!, second.Id).Membership);
        CallSnapshot rejoin = (await second.Grain.JoinAsync(room, "media-a")).Call!;
        Assert.Empty(Participant(rejoin, second.Id).Membership);
        var rejoined = await third.Observer.WaitForAsync<ObservedEvent.Joined>(
            e => e.Participant.SessionId == second.Id && e.Version == rejoin.Version, "carol to see bob's re-join");
        Assert.Empty(rejoined.Participant.Membership);
    }

    [Fact]
    public async Task MembershipNeedsACall_AndABoundedStatement()
    {
        string alice = TestIds.New("alice");
        string room = await TestRooms.CreateAsync(Client, alice);
        var session = await TestSession.OpenAsync(Client, alice, "Alice");
        await using var heartbeats = new HeartbeatPump(session.Grain);

        Assert.Null(await session.Grain.SetMembershipAsync(Statement(1, 10)));

        CallSnapshot joined = (await session.Grain.JoinAsync(room, "media-a")).Call!;
        await Assert.ThrowsAsync<ArgumentException>(() => session.Grain.SetMembershipAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => session.Grain.SetMembershipAsync(new byte[SignalLimits.MaxMembershipStatementBytes + 1]));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<ICallGrain>(room).SetMembershipAsync(session.Id, []));
        Assert.Null(await Client.GetGrain<ICallGrain>(room).SetMembershipAsync(TestIds.New("stranger"), Statement(1, 10)));
        Assert.Equal(joined.Version, (await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync()).Version);

        await session.Grain.LeaveAsync(null);
        Assert.Null(await session.Grain.SetMembershipAsync(Statement(1, 10)));
    }

    [Fact]
    public async Task LeaveStatementReachesTheOthers_AndOtherLeavesCarryNone()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob"), carol = TestIds.New("carol");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member), (carol, RoomRole.Member));
        var first = await TestSession.OpenAsync(Client, alice, "Alice");
        var second = await TestSession.OpenAsync(Client, bob, "Bob");
        var third = await TestSession.OpenAsync(Client, carol, "Carol");
        await using var heartbeats = new HeartbeatPump(first.Grain, second.Grain, third.Grain);
        foreach (var session in new[] { first, second, third }) await session.Grain.JoinAsync(room, "media-a");

        // An invalid statement is refused and the session stays in its call.
        await Assert.ThrowsAsync<ArgumentException>(() => second.Grain.LeaveAsync([]));
        await Assert.ThrowsAsync<ArgumentException>(() => second.Grain.LeaveAsync(new byte[SignalLimits.MaxMembershipStatementBytes + 1]));
        Assert.True(await second.Grain.IsInCallAsync(room));

        byte[] statement = Statement(7, 500);
        Assert.Equal(room, await second.Grain.LeaveAsync(statement));
        foreach (var observer in new[] { first.Observer, third.Observer })
        {
            var left = await observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == second.Id, "bob's leave to reach the others");
            Assert.Equal(LeaveReason.Left, left.Reason);
            Assert.Equal(statement, left.Statement);
        }

        Assert.Equal(room, await third.Grain.LeaveAsync(null));
        Assert.Null((await first.Observer.WaitForAsync<ObservedEvent.Left>(e => e.SessionId == third.Id, "carol's leave")).Statement);
    }

    [Fact]
    public async Task RelayDeliversOnlyToCurrentParticipantsOfTheSameCall_NeverToTheSender()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob"), carol = TestIds.New("carol"), dave = TestIds.New("dave");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member), (carol, RoomRole.Member), (dave, RoomRole.Member));
        string otherRoom = await TestRooms.CreateAsync(Client, dave);
        var sender = await TestSession.OpenAsync(Client, alice, "Alice");
        var inCall = await TestSession.OpenAsync(Client, bob, "Bob");
        var alsoInCall = await TestSession.OpenAsync(Client, carol, "Carol");
        var elsewhere = await TestSession.OpenAsync(Client, dave, "Dave");
        var idle = await TestSession.OpenAsync(Client, dave, "Dave idle");
        await using var heartbeats = new HeartbeatPump(sender.Grain, inCall.Grain, alsoInCall.Grain, elsewhere.Grain, idle.Grain);
        foreach (var session in new[] { sender, inCall, alsoInCall }) await session.Grain.JoinAsync(room, "media-a");
        await elsewhere.Grain.JoinAsync(otherRoom, "media-a");
        string never = TestIds.New("never");

        E2eeRelayResult result = (await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])
        [
            new E2eeEnvelope(inCall.Id, "for bob"),
            new E2eeEnvelope(sender.Id, "for myself"),
            new E2eeEnvelope(elsewhere.Id, "for dave in another room"),
            new E2eeEnvelope(alsoInCall.Id, "for carol"),
            new E2eeEnvelope(idle.Id, "for a session in no call"),
            new E2eeEnvelope(never, "for nobody"),
        ]))!;

        Assert.Equal(2, result.Delivered);
        Assert.Equal([sender.Id, elsewhere.Id, idle.Id, never], result.Undelivered);
        var toBob = await inCall.Observer.WaitForAsync<ObservedEvent.E2ee>(_ => true, "bob's message");
        Assert.Equal(new ObservedEvent.E2ee(room, sender.Id, "for bob"), toBob);
        var toCarol = await alsoInCall.Observer.WaitForAsync<ObservedEvent.E2ee>(_ => true, "carol's message");
        Assert.Equal(new ObservedEvent.E2ee(room, sender.Id, "for carol"), toCarol);

        // Bob's next message is a barrier: everything the relay sent has arrived by then.
        await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(inCall.Id, "barrier")]);
        await inCall.Observer.WaitForAsync<ObservedEvent.E2ee>(e => e.Data == "barrier", "the barrier");
        Assert.Single(inCall.Observer.Events.OfType<ObservedEvent.E2ee>(), e => e.Data == "for bob");
        Assert.Single(alsoInCall.Observer.Events.OfType<ObservedEvent.E2ee>());
        foreach (var session in new[] { sender, elsewhere, idle }) Assert.Empty(session.Observer.Events.OfType<ObservedEvent.E2ee>());

        // A session in no call, or in another call, cannot reach this one.
        Assert.Null(await idle.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(inCall.Id, "from outside")]));
        E2eeRelayResult fromElsewhere = (await elsewhere.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(inCall.Id, "from another room")]))!;
        Assert.Equal(0, fromElsewhere.Delivered);
        Assert.Equal([inCall.Id], fromElsewhere.Undelivered);
        Assert.Null(await Client.GetGrain<ICallGrain>(room).RelayE2eeAsync(elsewhere.Id, (E2eeEnvelope[])[new E2eeEnvelope(inCall.Id, "forged sender")]));

        // Someone who left is no longer reachable.
        await alsoInCall.Grain.LeaveAsync(null);
        E2eeRelayResult afterLeave = (await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(alsoInCall.Id, "too late"), new E2eeEnvelope(inCall.Id, "still here")]))!;
        Assert.Equal(1, afterLeave.Delivered);
        Assert.Equal([alsoInCall.Id], afterLeave.Undelivered);
        await inCall.Observer.WaitForAsync<ObservedEvent.E2ee>(e => e.Data == "still here", "bob's last message");
        Assert.DoesNotContain(alsoInCall.Observer.Events, e => e is ObservedEvent.E2ee { Data: "too late" });
        Assert.DoesNotContain(inCall.Observer.Events, e => e is ObservedEvent.E2ee { Data: "from outside" or "from another room" or "forged sender" });
    }

    [Fact]
    public async Task RelayedMessagesAreNumberedPerRecipientConnection_InTheOrderSent()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var sender = await TestSession.OpenAsync(Client, alice, "Alice");
        var receiver = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(sender.Grain, receiver.Grain);
        await sender.Grain.JoinAsync(room, "media-a");
        await receiver.Grain.JoinAsync(room, "media-a");
        const int count = 200;

        // Orleans may hand one-way calls over out of order (the test client has two gateways); the numbers say the order.
        for (int i = 0; i < count; i++) Assert.Equal(1, (await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(receiver.Id, $"m{i}")]))!.Delivered);
        await Wait.UntilAsync(() => Task.FromResult(receiver.Observer.Events.OfType<ObservedEvent.E2ee>().Count() == count), $"all {count} messages to arrive");

        var received = receiver.Observer.Events.OfType<ObservedEvent.E2ee>().ToArray();
        long stream = received[0].Stream;
        Assert.All(received, e => Assert.Equal(stream, e.Stream));
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"m{i}"), received.OrderBy(e => e.Sequence).Select(e => e.Data));
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), received.Select(e => e.Sequence).Order());

        // A resumed connection gets a new stream, numbered from 0 again.
        await receiver.Grain.DisconnectedAsync(receiver.Observer.Reference);
        var resumed = RecordingObserver.Create(Client);
        Assert.Equal(ResumeStatus.Ok, (await receiver.Grain.ResumeAsync(bob, receiver.Opened.ResumeToken, resumed.Reference)).Status);
        await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(receiver.Id, "after resume")]);
        var afterResume = await resumed.WaitForAsync<ObservedEvent.E2ee>(_ => true, "the message after the resume");
        Assert.Equal((0L, "after resume"), (afterResume.Sequence, afterResume.Data));
        Assert.NotEqual(stream, afterResume.Stream);

        // So does a new join; other roster changes keep the stream going.
        await receiver.Grain.UpdateDisplayNameAsync("Robert");
        await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(receiver.Id, "after rename")]);
        var afterRename = await resumed.WaitForAsync<ObservedEvent.E2ee>(e => e.Data == "after rename", "the message after the rename");
        Assert.Equal((afterResume.Stream, 1L), (afterRename.Stream, afterRename.Sequence));
        await receiver.Grain.JoinAsync(room, "media-a");
        await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])[new E2eeEnvelope(receiver.Id, "after rejoin")]);
        var afterRejoin = await resumed.WaitForAsync<ObservedEvent.E2ee>(e => e.Data == "after rejoin", "the message after the re-join");
        Assert.Equal(0L, afterRejoin.Sequence);
        Assert.NotEqual(afterResume.Stream, afterRejoin.Stream);
    }

    [Fact]
    public async Task RelayRefusesInvalidBatches()
    {
        string alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string room = await TestRooms.CreateAsync(Client, alice, (bob, RoomRole.Member));
        var sender = await TestSession.OpenAsync(Client, alice, "Alice");
        var receiver = await TestSession.OpenAsync(Client, bob, "Bob");
        await using var heartbeats = new HeartbeatPump(sender.Grain, receiver.Grain);
        await sender.Grain.JoinAsync(room, "media-a");
        await receiver.Grain.JoinAsync(room, "media-a");
        var call = Client.GetGrain<ICallGrain>(room);

        E2eeEnvelope[][] invalid =
        [
            [],
            [new E2eeEnvelope(receiver.Id, "")],
            [new E2eeEnvelope(receiver.Id, new string('d', SignalLimits.MaxE2eeDataLength + 1))],
            [new E2eeEnvelope("../x", "data")],
            [new E2eeEnvelope(receiver.Id, "one"), new E2eeEnvelope(receiver.Id, "two")],
            [.. Enumerable.Range(0, SignalLimits.MaxE2eeMessagesPerSend + 1).Select(i => new E2eeEnvelope($"s{i}", "x"))],
        ];
        foreach (var batch in invalid)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => sender.Grain.RelayE2eeAsync(batch));
            await Assert.ThrowsAsync<ArgumentException>(() => call.RelayE2eeAsync(sender.Id, batch));
        }

        E2eeRelayResult largest = (await sender.Grain.RelayE2eeAsync((E2eeEnvelope[])
            [new E2eeEnvelope(receiver.Id, new string('d', SignalLimits.MaxE2eeDataLength)),
             .. Enumerable.Range(1, SignalLimits.MaxE2eeMessagesPerSend - 1).Select(i => new E2eeEnvelope($"s{i}", "x"))]))!;
        Assert.Equal(1, largest.Delivered);
        Assert.Equal(SignalLimits.MaxE2eeMessagesPerSend - 1, largest.Undelivered.Count);
        var delivered = await receiver.Observer.WaitForAsync<ObservedEvent.E2ee>(_ => true, "the largest message");
        Assert.Equal(SignalLimits.MaxE2eeDataLength, delivered.Data.Length);
        Assert.Single(receiver.Observer.Events.OfType<ObservedEvent.E2ee>());
    }

    private static Participant Participant(CallSnapshot call, string sessionId) => Assert.Single(call.Participants, p => p.SessionId == sessionId);

    /// <summary>Stand-in statement bytes: opaque to the server, so any bytes do.</summary>
    private static byte[] Statement(byte seed, int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(seed + i))];
}
