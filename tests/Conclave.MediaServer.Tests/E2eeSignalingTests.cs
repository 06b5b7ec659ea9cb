using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The server side of end-to-end key management over real sockets (docs/signaling.md, "End-to-end encryption"): the call
/// id and join versions in the roster, membership statements, leave statements, and the relay of opaque messages, which
/// reach only the participants of the sender's call that it names.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class E2eeSignalingTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_membership_statement_reaches_everyone_and_later_joiners_see_it_in_joined()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            Assert.True(Names.IsValidOpaqueId(aliceJoined.CallId));
            Assert.Equal(aliceJoined.CallId, bobJoined.CallId);
            ParticipantInfo bobInRoster = Assert.Single(bobJoined.Participants, p => p.SessionId == bobJoined.SessionId);
            Assert.Equal(bobJoined.RosterVersion, bobInRoster.JoinVersion);
            Assert.Equal(aliceJoined.RosterVersion, Assert.Single(bobJoined.Participants, p => p.SessionId == aliceJoined.SessionId).JoinVersion);
            Assert.All(bobJoined.Participants, p => Assert.Empty(p.Membership));
            ParticipantJoinedEvent bobSeen = await alice.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token);
            Assert.Equal(bobSeen.RosterVersion, bobSeen.Participant.JoinVersion);

            byte[] statement = RandomNumberGenerator.GetBytes(1_000);
            await bob.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = statement }, Deadline.Token);

            foreach (SignalingClient client in new[] { alice, bob })
            {
                ParticipantUpdatedEvent updated = await client.ReadEventAsync<ParticipantUpdatedEvent>(cancellationToken: Deadline.Token);
                Assert.Equal(room, updated.Room);
                Assert.Equal(bobJoined.SessionId, updated.Participant.SessionId);
                Assert.Equal(statement, updated.Participant.Membership);
                Assert.Equal(bobJoined.RosterVersion, updated.Participant.JoinVersion);
                Assert.True(updated.RosterVersion > bobJoined.RosterVersion);
            }

            (SignalingClient carol, JoinedMessage carolJoined) = await fixture.JoinAsync(room, "Carol");
            await using (carol)
            {
                Assert.Equal(aliceJoined.CallId, carolJoined.CallId);
                Assert.Equal(statement, Assert.Single(carolJoined.Participants, p => p.SessionId == bobJoined.SessionId).Membership);
                Assert.Empty(Assert.Single(carolJoined.Participants, p => p.SessionId == carolJoined.SessionId).Membership);
            }

            // A re-join is a new join version: the statement signed for the old one is gone.
            JoinedMessage rejoined = await bob.JoinAsync(room, Deadline.Token);
            ParticipantInfo bobAgain = Assert.Single(rejoined.Participants, p => p.SessionId == bobJoined.SessionId);
            Assert.Empty(bobAgain.Membership);
            Assert.Equal(rejoined.RosterVersion, bobAgain.JoinVersion);
            ParticipantJoinedEvent rejoinSeen = await alice.ReadEventAsync<ParticipantJoinedEvent>(e => e.Participant.SessionId == bobJoined.SessionId, Deadline.Token);
            Assert.Empty(rejoinSeen.Participant.Membership);
        }
    }

    [Fact]
    public async Task A_new_call_of_the_room_has_a_new_call_id()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage first) = await fixture.JoinAsync(room, "Alice");
        await using (alice)
        {
            await alice.LeaveAsync(Deadline.Token);
            JoinedMessage second = await alice.JoinAsync(room, Deadline.Token);
            Assert.NotEqual(first.CallId, second.CallId);
            Assert.True(Names.IsValidOpaqueId(second.CallId));
        }
    }

    [Fact]
    public async Task E2ee_messages_reach_only_the_named_participants_of_the_senders_call()
    {
        string room = await fixture.CreateRoomAsync();
        string otherRoom = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        (SignalingClient carol, JoinedMessage carolJoined) = await fixture.JoinAsync(room, "Carol");
        (SignalingClient dave, JoinedMessage daveJoined) = await fixture.JoinAsync(otherRoom, "Dave");
        RedeemResponse eveUser = await fixture.InviteAsync(room, "Eve");
        await using (alice)
        await using (bob)
        await using (carol)
        await using (dave)
        await using (SignalingClient eve = await fixture.ConnectAsync(eveUser.Token))
        {
            string eveId = eve.Welcome!.SessionId;
            E2eeSentMessage sent = await alice.RequestAsync<E2eeSentMessage>(new E2eeSendMessage
            {
                Messages =
                [
                    new E2eeOutgoing(bobJoined.SessionId, "wrap for bob"),
                    new E2eeOutgoing(aliceJoined.SessionId, "to myself"),
                    new E2eeOutgoing(daveJoined.SessionId, "to dave in another room"),
                    new E2eeOutgoing(eveId, "to eve in no call"),
                ],
            }, Deadline.Token);
            Assert.Equal(1, sent.Delivered);
            Assert.Equal([aliceJoined.SessionId, daveJoined.SessionId, eveId], sent.Undelivered);

            E2eeEvent toBob = await bob.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token);
            Assert.Equal(room, toBob.Room);
            Assert.Equal(aliceJoined.SessionId, toBob.From);
            Assert.Equal("wrap for bob", toBob.Data);

            // Carol was not named: the first message she gets is the one sent to her next.
            await alice.RequestAsync<E2eeSentMessage>(new E2eeSendMessage { Messages = [new E2eeOutgoing(carolJoined.SessionId, "for carol")] }, Deadline.Token);
            Assert.Equal("for carol", (await carol.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);

            // Dave, in another room's call, cannot reach this call; Eve, in no call, cannot send at all.
            E2eeSentMessage fromDave = await dave.RequestAsync<E2eeSentMessage>(
                new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, "from dave")] }, Deadline.Token);
            Assert.Equal(0, fromDave.Delivered);
            Assert.Equal([bobJoined.SessionId], fromDave.Undelivered);
            SignalingException notInCall = await Assert.ThrowsAsync<SignalingException>(() => eve.RequestAsync<E2eeSentMessage>(
                new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, "from eve")] }, Deadline.Token));
            Assert.Equal(ErrorCodes.NotInCall, notInCall.Code);
            SignalingException noMembership = await Assert.ThrowsAsync<SignalingException>(() => eve.RequestAsync<MembershipRecordedMessage>(
                new MembershipMessage { Statement = [1, 2, 3] }, Deadline.Token));
            Assert.Equal(ErrorCodes.NotInCall, noMembership.Code);

            await alice.RequestAsync<E2eeSentMessage>(new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, "barrier")] }, Deadline.Token);
            Assert.Equal("barrier", (await bob.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);
            Assert.False(HasE2eeEvent(alice), "the sender got its own message");
            Assert.False(HasE2eeEvent(dave), "a participant of another call got a message");
            Assert.False(HasE2eeEvent(eve), "a session in no call got a message");

            // Once Carol has left, she is no longer reachable.
            await carol.LeaveAsync(Deadline.Token);
            await alice.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == carolJoined.SessionId, Deadline.Token);
            E2eeSentMessage afterLeave = await alice.RequestAsync<E2eeSentMessage>(
                new E2eeSendMessage { Messages = [new E2eeOutgoing(carolJoined.SessionId, "too late")] }, Deadline.Token);
            Assert.Equal(0, afterLeave.Delivered);
            Assert.Equal([carolJoined.SessionId], afterLeave.Undelivered);
        }
    }

    [Fact]
    public async Task E2ee_messages_from_one_sender_arrive_in_the_order_sent()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        (SignalingClient carol, JoinedMessage carolJoined) = await fixture.JoinAsync(room, "Carol");
        await using (alice)
        await using (bob)
        await using (carol)
        {
            const int sends = 25; // within the rate limit's burst
            for (int i = 0; i < sends; i++)
            {
                E2eeSentMessage sent = await alice.RequestAsync<E2eeSentMessage>(new E2eeSendMessage
                {
                    Messages = [new E2eeOutgoing(bobJoined.SessionId, $"b{i}"), new E2eeOutgoing(carolJoined.SessionId, $"c{i}")],
                }, Deadline.Token);
                Assert.Equal(2, sent.Delivered);
            }

            for (int i = 0; i < sends; i++)
            {
                Assert.Equal($"b{i}", (await bob.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);
                Assert.Equal($"c{i}", (await carol.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);
            }
        }
    }

    [Fact]
    public async Task A_leave_statement_reaches_the_others_in_participant_left()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        (SignalingClient carol, JoinedMessage carolJoined) = await fixture.JoinAsync(room, "Carol");
        await using (alice)
        await using (bob)
        await using (carol)
        {
            byte[] statement = RandomNumberGenerator.GetBytes(200);
            LeftMessage left = await bob.RequestAsync<LeftMessage>(new LeaveMessage { Statement = statement }, Deadline.Token);
            Assert.Equal(room, left.Room);
            foreach (SignalingClient client in new[] { alice, carol })
            {
                ParticipantLeftEvent gone = await client.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == bobJoined.SessionId, Deadline.Token);
                Assert.Equal("left", gone.Reason);
                Assert.Equal(statement, gone.Statement);
            }

            await carol.LeaveAsync(Deadline.Token);
            ParticipantLeftEvent plain = await alice.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == carolJoined.SessionId, Deadline.Token);
            Assert.Null(plain.Statement);
        }
    }

    [Fact]
    public async Task Invalid_statements_and_relays_are_bad_requests_and_change_nothing()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            string tooLong = Convert.ToBase64String(new byte[SignalLimits.MaxMembershipStatementBytes + 1]);
            string[] requests =
            [
                """{"v":1,"type":"membership","id":"m1","statement":""}""",
                """{"v":1,"type":"membership","id":"m2","statement":"not base64"}""",
                "{\"v\":1,\"type\":\"membership\",\"id\":\"m3\",\"statement\":\"" + tooLong + "\"}",
                "{\"v\":1,\"type\":\"leave\",\"id\":\"l1\",\"statement\":\"" + tooLong + "\"}",
                """{"v":1,"type":"e2ee-send","id":"e1","messages":[]}""",
                "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e2\",\"messages\":[{\"to\":\"" + aliceJoined.SessionId + "\",\"data\":\"a\"},{\"to\":\"" + aliceJoined.SessionId + "\",\"data\":\"b\"}]}",
                "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e3\",\"messages\":[{\"to\":\"" + aliceJoined.SessionId + "\",\"data\":\"" + new string('d', SignalLimits.MaxE2eeDataLength + 1) + "\"}]}",
                "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e4\",\"messages\":[{\"to\":\"" + aliceJoined.SessionId + "\",\"data\":\"\"}]}",
            ];
            foreach (string request in requests)
            {
                await bob.SendRawAsync(request, Deadline.Token);
                ErrorMessage error = await bob.ReadEventAsync<ErrorMessage>(cancellationToken: Deadline.Token);
                Assert.Equal(ErrorCodes.BadRequest, error.Code);
            }

            // Bob is still in the call, without a statement, and Alice got none of it.
            await bob.RequestAsync<E2eeSentMessage>(new E2eeSendMessage { Messages = [new E2eeOutgoing(aliceJoined.SessionId, "valid")] }, Deadline.Token);
            Assert.Equal("valid", (await alice.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);
            JoinedMessage roster = await alice.JoinAsync(room, Deadline.Token);
            Assert.Empty(Assert.Single(roster.Participants, p => p.SessionId == bobJoined.SessionId).Membership);
        }
    }

    [Fact]
    public async Task The_largest_allowed_statement_and_relay_fit_in_a_message()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, _) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            byte[] statement = RandomNumberGenerator.GetBytes(SignalLimits.MaxMembershipStatementBytes);
            await bob.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = statement }, Deadline.Token);
            Assert.Equal(statement, (await alice.ReadEventAsync<ParticipantUpdatedEvent>(cancellationToken: Deadline.Token)).Participant.Membership);

            string data = new('k', SignalLimits.MaxE2eeDataLength);
            E2eeSentMessage sent = await bob.RequestAsync<E2eeSentMessage>(new E2eeSendMessage
            {
                Messages = [new E2eeOutgoing(aliceJoined.SessionId, data), .. Enumerable.Range(1, SignalLimits.MaxE2eeMessagesPerSend - 1).Select(i => new E2eeOutgoing($"gone{i}", "x"))],
            }, Deadline.Token);
            Assert.Equal(1, sent.Delivered);
            Assert.Equal(SignalLimits.MaxE2eeMessagesPerSend - 1, sent.Undelivered.Count);
            Assert.Equal(data, (await alice.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);
        }
    }

    /// <summary>True if an <c>e2ee</c> event is already queued for <paramref name="client"/> (other events are dropped).</summary>
    private static bool HasE2eeEvent(SignalingClient client)
    {
        while (client.Events.TryRead(out SignalMessage? message))
        {
            if (message is E2eeEvent) return true;
        }
        return false;
    }
}
