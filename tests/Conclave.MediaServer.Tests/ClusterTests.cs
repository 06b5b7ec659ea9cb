using System.Net;
using Conclave.Client;
using Conclave.Client.Media;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtp;
using Conclave.MediaServer.Media;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The production shape: two media servers forming one Orleans cluster through Azure Table clustering,
/// with grain state in Azure Table storage, both on Azurite (started by scripts/test.sh).
/// </summary>
public sealed class ClusterTests
{
    /// <summary>The Azurite connection string (scripts/test.sh exports it).</summary>
    public static string AzureStorage =>
        Environment.GetEnvironmentVariable("CONCLAVE_TEST_AZURE_STORAGE") is { Length: > 0 } value ? value : "UseDevelopmentStorage=true";

    [Fact]
    public async Task Two_servers_form_one_cluster_and_participants_on_different_nodes_see_each_other()
    {
        string clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        await using TestServer node1 = await StartNodeAsync(clusterId, "node-1");
        await using TestServer node2 = await StartNodeAsync(clusterId, "node-2");

        // One admin credential for the cluster, minted by the first node; the second one accepts it.
        Assert.True(File.Exists(Path.Combine(node1.DataDirectory, "admin-token")));
        Assert.False(File.Exists(Path.Combine(node2.DataDirectory, "admin-token")));
        (string room, RedeemResponse alice, RedeemResponse bob) = await RoomWithAliceAndBobAsync(node1, node2, createdThrough: node2);

        await using var aliceClient = new SignalingClient();
        await aliceClient.ConnectAsync(node1.BaseAddress, alice.Token, null, Deadline.Token);
        JoinedMessage aliceJoined = await aliceClient.JoinAsync(room, Deadline.Token);
        Assert.Equal("node-1", aliceJoined.MediaNode);

        var bobClient = new SignalingClient();
        await bobClient.ConnectAsync(node2.BaseAddress, bob.Token, null, Deadline.Token);
        JoinedMessage bobJoined = await bobClient.JoinAsync(room, Deadline.Token);
        Assert.Equal("node-1", bobJoined.MediaNode); // The call stays on the node where it started.
        Assert.Equal(2, bobJoined.Participants.Count);
        Assert.Equal("Bob", (await aliceClient.ReadEventAsync<ParticipantJoinedEvent>(cancellationToken: Deadline.Token)).Participant.DisplayName);
        Assert.Equal(aliceJoined.CallId, bobJoined.CallId);

        // Membership statements and e2ee messages cross nodes: the call's grain passes them to the other node's connection.
        byte[] statement = [0xC0, 0x4C, 0x1A, 0x7E];
        await bobClient.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = statement }, Deadline.Token);
        Assert.Equal(statement, (await aliceClient.ReadEventAsync<ParticipantUpdatedEvent>(cancellationToken: Deadline.Token)).Participant.Membership);
        E2eeSentMessage sent = await aliceClient.RequestAsync<E2eeSentMessage>(
            new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, "across nodes")] }, Deadline.Token);
        Assert.Equal(1, sent.Delivered);
        E2eeEvent received = await bobClient.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token);
        Assert.Equal((aliceJoined.SessionId, "across nodes"), (received.From, received.Data));
        // In order, although the two silos talk over two connections used in turn.
        for (int i = 0; i < 25; i++)
        {
            await aliceClient.RequestAsync<E2eeSentMessage>(new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, $"m{i}")] }, Deadline.Token);
        }
        for (int i = 0; i < 25; i++) Assert.Equal($"m{i}", (await bobClient.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);

        // Bob's connection drops and he resumes through the other node, still in the roster.
        ResumeRequest resume = bobClient.GetResumeRequest()!;
        await bobClient.AbortAsync();
        await bobClient.DisposeAsync();
        await using var bobAgain = new SignalingClient();
        WelcomeMessage welcome = await bobAgain.ConnectAsync(node1.BaseAddress, bob.Token, resume, Deadline.Token);
        Assert.True(welcome.Resumed);
        Assert.Equal(2, welcome.Call!.Participants.Count);
        Assert.Equal(aliceJoined.CallId, welcome.Call.CallId);
        Assert.Equal(statement, welcome.Call.Participants.Single(p => p.SessionId == bobJoined.SessionId).Membership);
        await aliceClient.RequestAsync<E2eeSentMessage>(new E2eeSendMessage { Messages = [new E2eeOutgoing(bobJoined.SessionId, "after resume")] }, Deadline.Token);
        Assert.Equal("after resume", (await bobAgain.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token)).Data);

        // Grain state lives in Azure Table storage: node 2 reads the room node 1's grains wrote.
        using ConclaveApiClient admin = ConclaveApiClient.Create(node2.BaseAddress, node1.AdminToken);
        Assert.Equal(3, (await admin.GetRoomAsync(room, Deadline.Token)).Members.Count);
    }

    [Fact]
    public async Task A_participant_on_another_node_gets_the_calls_media_from_its_media_node()
    {
        string clusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        await using TestServer node1 = await StartNodeAsync(clusterId, "node-1");
        await using TestServer node2 = await StartNodeAsync(clusterId, "node-2");
        (string room, RedeemResponse alice, RedeemResponse bob) = await RoomWithAliceAndBobAsync(node1, node2, createdThrough: node1);

        // Alice starts the call on node 1, so node 1 hosts its router, and publishes her microphone there.
        await using var aliceClient = new SignalingClient();
        await aliceClient.ConnectAsync(node1.BaseAddress, alice.Token, null, Deadline.Token);
        Assert.Equal("node-1", (await aliceClient.JoinAsync(room, Deadline.Token)).MediaNode);
        using var aliceMedia = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler());
        AnswerMessage aliceAnswer = await aliceClient.RequestAsync<AnswerMessage>(new OfferMessage
        {
            Sdp = aliceMedia.CreateOffer(),
            Publish = [new PublishedSection(ClientMediaConnection.AudioMid, "microphone"), new PublishedSection(ClientMediaConnection.VideoMid, "camera")],
        }, Deadline.Token);
        await aliceMedia.ConnectAsync(aliceAnswer.Sdp, Deadline.Token);

        // Bob's signaling is on node 2: the call's tracks reach him from node 1, his offer is answered by node 1's
        // router (its media port in the answer), and his requests are handled there.
        await using var bobClient = new SignalingClient();
        await bobClient.ConnectAsync(node2.BaseAddress, bob.Token, null, Deadline.Token);
        Assert.Equal("node-1", (await bobClient.JoinAsync(room, Deadline.Token)).MediaNode);
        TracksEvent tracks = await bobClient.ReadEventAsync<TracksEvent>(t => t.Tracks.Count == 2, Deadline.Token);
        string microphone = tracks.Tracks.Single(t => t.Source == "microphone").TrackId;
        string camera = tracks.Tracks.Single(t => t.Source == "camera").TrackId;
        var bobReceived = new RecordingHandler();
        using var bobMedia = new ClientMediaConnection(IPAddress.Loopback, bobReceived);
        AnswerMessage bobAnswer = await bobClient.RequestAsync<AnswerMessage>(new OfferMessage
        {
            Sdp = bobMedia.CreateOffer(),
            Subscribe = [new SubscribedSection(ClientMediaConnection.AudioMid, microphone), new SubscribedSection(ClientMediaConnection.VideoMid, camera)],
        }, Deadline.Token);
        int node1Port = node1.Services.GetRequiredService<MediaPort>().Listener.LocalPort;
        Assert.Contains($" {node1Port} typ host", bobAnswer.Sdp, StringComparison.Ordinal);
        await bobMedia.ConnectAsync(bobAnswer.Sdp, Deadline.Token);
        await bobClient.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 320, MaxHeight = 180 }, Deadline.Token);

        // Alice's audio goes through node 1's SFU to Bob, under the SSRC node 1 announced to him.
        byte[] payload = [0x5E, 0xC0, 0x0C, 0x1A];
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        Task pump = Task.Run(async () =>
        {
            for (ushort seq = 1; !sending.IsCancellationRequested; seq++)              // 50 packets a second, as Opus
            {
                byte[] packet = ClientRtp.Audio(seq, 0x0A11CE, payload, aliceMedia.Transport.RtpOverhead, out int length);
                aliceMedia.Transport.SendRtp(packet, length);
                await Task.Delay(TimeSpan.FromMilliseconds(20), sending.Token);
            }
        }, sending.Token);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(await bobReceived.NextRtpAsync(), out RtpHeader header));
        Assert.Equal(payload, header.Payload.ToArray());
        await sending.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump);
        string bobId = bobClient.Welcome!.SessionId;
        Router router = node1.Services.GetRequiredService<CallMedia>().Find(room)!;
        Assert.True(router.FindPeer(bobId)!.IsConnected);
        Assert.Null(node2.Services.GetRequiredService<CallMedia>().Find(room));

        // Bob leaves through node 2: node 1 ends his media, and Alice's call goes on.
        await bobClient.LeaveAsync(Deadline.Token);
        using CancellationTokenSource gone = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        while (router.FindPeer(bobId) is not null) await Task.Delay(TimeSpan.FromMilliseconds(50), gone.Token);
        Assert.NotNull(router.FindPeer(aliceClient.Welcome!.SessionId));
    }

    [Fact]
    public async Task Grain_state_in_azure_blob_storage_survives_a_restart_of_the_only_server()
    {
        string serviceId = "blob-" + Guid.NewGuid().ToString("N")[..12];
        string room = "kept-" + Guid.NewGuid().ToString("N")[..8];
        string adminToken;
        await using (TestServer first = await StartBlobServerAsync(serviceId))
        {
            adminToken = first.AdminToken;
            using ConclaveApiClient admin = ConclaveApiClient.Create(first.BaseAddress, adminToken);
            await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
            await admin.SetLockedAsync(room, true, Deadline.Token);
        }

        // A new process with an empty data directory: everything comes back from blob storage,
        // the signing key included, so the old admin credential still works.
        await using TestServer second = await StartBlobServerAsync(serviceId);
        Assert.False(File.Exists(Path.Combine(second.DataDirectory, "admin-token")));
        using ConclaveApiClient again = ConclaveApiClient.Create(second.BaseAddress, adminToken);
        RoomDto kept = await again.GetRoomAsync(room, Deadline.Token);
        Assert.True(kept.Locked);
        Assert.Equal("admin", kept.Owner);
    }

    private static Task<TestServer> StartBlobServerAsync(string serviceId) => TestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Conclave:Cluster:ServiceId"] = serviceId,
        ["Conclave:Storage:Mode"] = "AzureBlob",
        ["Conclave:Storage:ConnectionString"] = AzureStorage,
    });

    private static Task<TestServer> StartNodeAsync(string clusterId, string nodeId) => TestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Conclave:Cluster:Mode"] = "AzureTable",
        ["Conclave:Cluster:ClusterId"] = clusterId,
        ["Conclave:Cluster:ServiceId"] = clusterId,
        ["Conclave:Cluster:AdvertisedHost"] = "127.0.0.1",
        ["Conclave:Storage:Mode"] = "AzureTable",
        ["Conclave:Storage:ConnectionString"] = AzureStorage,
        ["Conclave:Media:NodeId"] = nodeId,
    });

    /// <summary>A new room created through <paramref name="createdThrough"/> with the cluster's admin credential (node
    /// 1's), Alice invited through node 1 and Bob through node 2.</summary>
    private static async Task<(string Room, RedeemResponse Alice, RedeemResponse Bob)> RoomWithAliceAndBobAsync(TestServer node1, TestServer node2, TestServer createdThrough)
    {
        string room = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        using (ConclaveApiClient admin = ConclaveApiClient.Create(createdThrough.BaseAddress, node1.AdminToken))
        {
            await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        }
        return (room, await InviteAsync(node1, node1.AdminToken, room, "Alice"), await InviteAsync(node2, node1.AdminToken, room, "Bob"));
    }

    private static async Task<RedeemResponse> InviteAsync(TestServer server, string adminToken, string room, string name)
    {
        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, adminToken);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(name), Deadline.Token);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(server.BaseAddress);
        return await anonymous.RedeemInvitationAsync(new Uri(invitation.Url), Deadline.Token);
    }
}
