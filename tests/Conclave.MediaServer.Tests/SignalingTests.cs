using System.Net.WebSockets;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>Signaling over a real Kestrel socket against grains in the co-hosted silo.</summary>
[Collection(ServerCollection.Name)]
public sealed class SignalingTests(ServerFixture fixture)
{
    [Fact]
    public async Task Two_invited_clients_join_one_room_and_each_sees_the_other()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        await using (alice)
        {
            Assert.Equal(room, aliceJoined.Room);
            Assert.Equal("test-node", aliceJoined.MediaNode);
            Assert.Equal("Alice", Assert.Single(aliceJoined.Participants).DisplayName);

            (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
            await using (bob)
            {
                Assert.Equal(["Alice", "Bob"], bobJoined.Participants.Select(p => p.DisplayName).Order());
                ParticipantJoinedEvent seen = await alice.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token);
                Assert.Equal("Bob", seen.Participant.DisplayName);
                Assert.Equal(bobJoined.SessionId, seen.Participant.SessionId);
                Assert.Equal("member", seen.Participant.Role);
                Assert.True(seen.RosterVersion > aliceJoined.RosterVersion);
            }
        }
    }

    [Fact]
    public async Task Leaving_tells_the_others_at_once()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            LeftMessage left = await bob.LeaveAsync(Deadline.Token);
            Assert.Equal(room, left.Room);
            ParticipantLeftEvent gone = await alice.ReadEventAsync<ParticipantLeftEvent>(cancellationToken: Deadline.Token);
            Assert.Equal(bobJoined.SessionId, gone.SessionId);
            Assert.Equal("left", gone.Reason);
        }
    }

    [Fact]
    public async Task Display_name_updates_reach_the_others()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            UpdatedMessage updated = await bob.UpdateDisplayNameAsync("Robert", Deadline.Token);
            Assert.Equal("Robert", updated.DisplayName);
            ParticipantUpdatedEvent seen = await alice.ReadEventAsync<ParticipantUpdatedEvent>(cancellationToken: Deadline.Token);
            Assert.Equal(bobJoined.SessionId, seen.Participant.SessionId);
            Assert.Equal("Robert", seen.Participant.DisplayName);
        }
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsImlzcyI6ImNvbmNsYXZlIiwiYXVkIjoiY29uY2xhdmUiLCJyb2xlIjoiYWRtaW4iLCJleHAiOjQxMDI0NDQ4MDB9.")]
    public async Task A_bad_token_is_refused(string token)
    {
        await using var client = new SignalingClient();
        SignalingException refused = await Assert.ThrowsAsync<SignalingException>(() => client.ConnectAsync(fixture.Server.BaseAddress, token, null, Deadline.Token));
        Assert.Equal(ErrorCodes.InvalidToken, refused.Code);
    }

    [Fact]
    public async Task A_token_with_a_forged_signature_is_refused()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse user = await fixture.InviteAsync(room, "Mallory");
        string[] parts = user.Token.Split('.');
        char last = parts[2][5];
        parts[2] = parts[2][..5] + (last == 'A' ? 'B' : 'A') + parts[2][6..];
        await using var client = new SignalingClient();
        SignalingException refused = await Assert.ThrowsAsync<SignalingException>(
            () => client.ConnectAsync(fixture.Server.BaseAddress, string.Join('.', parts), null, Deadline.Token));
        Assert.Equal(ErrorCodes.InvalidToken, refused.Code);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        string expired = fixture.Server.MintToken("u-expired", TimeSpan.FromHours(-1));
        await using var client = new SignalingClient();
        SignalingException refused = await Assert.ThrowsAsync<SignalingException>(() => client.ConnectAsync(fixture.Server.BaseAddress, expired, null, Deadline.Token));
        Assert.Equal(ErrorCodes.InvalidToken, refused.Code);
        Assert.Contains("expired", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_member_gets_forbidden_and_an_unknown_room_not_found()
    {
        string myRoom = await fixture.CreateRoomAsync();
        string otherRoom = await fixture.CreateRoomAsync();
        RedeemResponse user = await fixture.InviteAsync(myRoom, "Eve");
        await using SignalingClient client = await fixture.ConnectAsync(user.Token);

        SignalingException forbidden = await Assert.ThrowsAsync<SignalingException>(() => client.JoinAsync(otherRoom, Deadline.Token));
        Assert.Equal(ErrorCodes.Forbidden, forbidden.Code);
        SignalingException missing = await Assert.ThrowsAsync<SignalingException>(() => client.JoinAsync("no-such-room", Deadline.Token));
        Assert.Equal(ErrorCodes.RoomNotFound, missing.Code);
        Assert.Equal(myRoom, (await client.JoinAsync(myRoom, Deadline.Token)).Room);
    }

    [Fact]
    public async Task A_locked_room_refuses_members_but_admits_hosts()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse member = await fixture.InviteAsync(room, "Member");
        RedeemResponse host = await fixture.InviteAsync(room, "Host", role: "host");
        using (ConclaveApiClient admin = fixture.Admin())
        {
            Assert.True((await admin.SetLockedAsync(room, true, Deadline.Token)).Locked);
        }

        await using SignalingClient memberClient = await fixture.ConnectAsync(member.Token);
        SignalingException locked = await Assert.ThrowsAsync<SignalingException>(() => memberClient.JoinAsync(room, Deadline.Token));
        Assert.Equal(ErrorCodes.RoomLocked, locked.Code);

        await using SignalingClient hostClient = await fixture.ConnectAsync(host.Token);
        JoinedMessage joined = await hostClient.JoinAsync(room, Deadline.Token);
        Assert.Equal("host", Assert.Single(joined.Participants).Role);
    }

    [Fact]
    public async Task Messages_before_hello_are_refused_and_a_silent_socket_is_closed_with_4001()
    {
        await using var client = new SignalingClient();
        await client.OpenAsync(fixture.Server.BaseAddress, Deadline.Token);
        await client.SendRawAsync("""{"v":1,"type":"join","room":"anything"}""", Deadline.Token);
        ErrorMessage error = await client.ReadEventAsync<ErrorMessage>(cancellationToken: Deadline.Token);
        Assert.Equal(ErrorCodes.NotAuthenticated, error.Code);
        Assert.Equal(CloseCodes.AuthenticationTimeout, await client.Closed.WaitAsync(Deadline.Token));
    }

    [Fact]
    public async Task An_oversized_message_closes_the_connection_with_1009()
    {
        await using var client = new SignalingClient();
        await client.OpenAsync(fixture.Server.BaseAddress, Deadline.Token);
        await client.SendRawAsync("{\"v\":1,\"type\":\"ping\",\"pad\":\"" + new string('x', SignalLimits.MaxMessageBytes) + "\"}", Deadline.Token);
        Assert.Equal(CloseCodes.MessageTooBig, await client.Closed.WaitAsync(Deadline.Token));
    }

    [Fact]
    public async Task A_roster_larger_than_a_client_message_reaches_the_dotnet_client()
    {
        // Rosters carry each participant's device keys and statement, so a large call's joined outgrows the 64 KiB a
        // client may send; the client takes server messages up to MaxServerMessageBytes.
        string room = await fixture.CreateRoomAsync();
        List<SignalingClient> others = [];
        try
        {
            for (int i = 0; i < 9; i++)
            {
                RedeemResponse user = await fixture.InviteAsync(room, $"Person {i}");
                using ConclaveApiClient device = ConclaveApiClient.Create(fixture.Server.BaseAddress, user.Token);
                await device.SetDeviceKeysAsync(new DeviceKeysRequest(new byte[Conclave.Grains.UserLimits.MaxDevicePublicKeysBytes]), Deadline.Token);
                SignalingClient client = await fixture.ConnectAsync(user.Token);
                others.Add(client);
                await client.JoinAsync(room, Deadline.Token);
            }

            (SignalingClient last, JoinedMessage joined) = await fixture.JoinAsync(room, "Last One");
            await using (last)
            {
                Assert.Equal(10, joined.Participants.Count);
                Assert.True(SignalCodec.Encode(joined).Length > SignalLimits.MaxMessageBytes);
                Assert.True(last.IsOpen);
            }
        }
        finally
        {
            foreach (SignalingClient client in others) await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_thousand_malformed_frames_get_errors_and_the_server_and_other_clients_are_unaffected()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, _) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            await alice.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token);

            // 25 connections × 40 frames: each below its strike budget, 1,000 in all, every one answered.
            int answered = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, 25), new ParallelOptions { MaxDegreeOfParallelism = 5 }, async (attacker, _) =>
            {
                await using var client = new SignalingClient(new SignalingClientOptions { EnableHeartbeat = false });
                await client.OpenAsync(fixture.Server.BaseAddress, Deadline.Token);
                for (int i = 0; i < 40; i++)
                {
                    await MalformedFrames.SendAsync(client, attacker * 40 + i, Deadline.Token);
                    ErrorMessage error = await client.ReadEventAsync<ErrorMessage>(cancellationToken: Deadline.Token);
                    Assert.False(string.IsNullOrEmpty(error.Code));
                    Interlocked.Increment(ref answered);
                }
                Assert.True(client.IsOpen);
            });
            Assert.Equal(1000, answered);

            // The call goes on: a newcomer is seen by both, and heartbeats still work.
            (SignalingClient carol, JoinedMessage carolJoined) = await fixture.JoinAsync(room, "Carol");
            await using (carol)
            {
                Assert.Equal(3, carolJoined.Participants.Count);
                Assert.Equal("Carol", (await alice.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token)).Participant.DisplayName);
                Assert.Equal("Carol", (await bob.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token)).Participant.DisplayName);
                await bob.PingAsync(Deadline.Token);
            }
        }
    }

    [Fact]
    public async Task A_repeat_offender_is_closed_with_1008()
    {
        await using var client = new SignalingClient(new SignalingClientOptions { EnableHeartbeat = false });
        await client.OpenAsync(fixture.Server.BaseAddress, Deadline.Token);
        for (int i = 0; i < 500 && client.IsOpen; i++)
        {
            try
            {
                await client.SendRawAsync("{not json", Deadline.Token);
            }
            catch (Exception e) when (e is SignalingClosedException or WebSocketException)
            {
                break;
            }
        }
        Assert.Equal(CloseCodes.PolicyViolation, await client.Closed.WaitAsync(Deadline.Token));
    }

    [Fact]
    public async Task Resume_within_the_grace_period_keeps_the_participant_in_the_roster()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        RedeemResponse bobUser = await fixture.InviteAsync(room, "Bob");
        SignalingClient bob = await fixture.ConnectAsync(bobUser.Token);
        JoinedMessage bobJoined = await bob.JoinAsync(room, Deadline.Token);
        await using (alice)
        {
            await alice.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token);
            ResumeRequest resume = bob.GetResumeRequest()!;
            await bob.AbortAsync(); // The network drops: no close handshake.
            await bob.DisposeAsync();

            await using SignalingClient bobAgain = await fixture.ConnectAsync(bobUser.Token, resume: resume);
            WelcomeMessage welcome = bobAgain.Welcome!;
            Assert.True(welcome.Resumed);
            Assert.Equal(resume.SessionId, welcome.SessionId);
            Assert.NotEqual(resume.ResumeToken, welcome.ResumeToken);
            Assert.NotNull(welcome.Call);
            Assert.Contains(welcome.Call.Participants, p => p.SessionId == bobJoined.SessionId);

            // Alice saw nothing of the drop: her next event is the newcomer, not Bob leaving.
            (SignalingClient carol, _) = await fixture.JoinAsync(room, "Carol");
            await using (carol)
            {
                SignalMessage next = await ReadRosterEventAsync(alice);
                Assert.Equal("Carol", Assert.IsType<ParticipantJoinedEvent>(next).Participant.DisplayName);
                // And the resumed connection receives events again.
                Assert.Equal("Carol", (await bobAgain.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token)).Participant.DisplayName);
            }
        }
    }

    [Fact]
    public async Task A_resume_with_a_wrong_token_or_by_another_user_is_refused()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse bobUser = await fixture.InviteAsync(room, "Bob");
        RedeemResponse eveUser = await fixture.InviteAsync(room, "Eve");
        await using SignalingClient bob = await fixture.ConnectAsync(bobUser.Token);
        ResumeRequest resume = bob.GetResumeRequest()!;

        await using var eve = new SignalingClient();
        SignalingException stolen = await Assert.ThrowsAsync<SignalingException>(() => eve.ConnectAsync(fixture.Server.BaseAddress, eveUser.Token, resume, Deadline.Token));
        Assert.Equal(ErrorCodes.Forbidden, stolen.Code);

        await using var guess = new SignalingClient();
        SignalingException wrong = await Assert.ThrowsAsync<SignalingException>(
            () => guess.ConnectAsync(fixture.Server.BaseAddress, bobUser.Token, resume with { ResumeToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, Deadline.Token));
        Assert.Equal(ErrorCodes.Forbidden, wrong.Code);
    }

    [Fact]
    public async Task A_session_that_stops_heartbeating_leaves_the_roster_and_cannot_resume()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        RedeemResponse ghostUser = await fixture.InviteAsync(room, "Ghost");
        SignalingClient ghost = await fixture.ConnectAsync(ghostUser.Token, heartbeat: false);
        JoinedMessage ghostJoined = await ghost.JoinAsync(room, Deadline.Token);
        await using (alice)
        await using (ghost)
        {
            ParticipantLeftEvent gone = await alice.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == ghostJoined.SessionId, Deadline.Token);
            Assert.Equal("expired", gone.Reason);
            Assert.Equal(CloseCodes.SessionExpired, await ghost.Closed.WaitAsync(Deadline.Token));

            await using var late = new SignalingClient();
            SignalingException expired = await Assert.ThrowsAsync<SignalingException>(
                () => late.ConnectAsync(fixture.Server.BaseAddress, ghostUser.Token, ghost.GetResumeRequest(), Deadline.Token));
            Assert.Equal(ErrorCodes.SessionExpired, expired.Code);
        }
    }

    [Fact]
    public async Task A_dropped_connection_that_never_resumes_leaves_the_roster()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        {
            await bob.AbortAsync();
            await bob.DisposeAsync();
            ParticipantLeftEvent gone = await alice.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == bobJoined.SessionId, Deadline.Token);
            Assert.Equal("expired", gone.Reason);
        }
    }

    private static async Task<SignalMessage> ReadRosterEventAsync(SignalingClient client)
    {
        while (true)
        {
            SignalMessage message = await client.ReadEventAsync<SignalMessage>(cancellationToken: Deadline.Token);
            if (message is ParticipantJoinedEvent or ParticipantLeftEvent or ParticipantUpdatedEvent) return message;
        }
    }
}
