using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// Sharing a file into a call over real sockets: <c>file-offer</c> tells exactly the other participants whose user
/// holds a key for the file (<c>file-offered</c>), and only the file's owner may offer it, once its upload is complete,
/// from inside the call.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FileOfferTests(ServerFixture fixture)
{
    [Fact]
    public async Task An_offer_reaches_the_participants_holding_a_key_and_no_one_else()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse alice = await fixture.InviteAsync(room, "Alice");
        RedeemResponse bruno = await fixture.InviteAsync(room, "Bruno");
        RedeemResponse carla = await fixture.InviteAsync(room, "Carla");
        await using SignalingClient aliceSignals = await fixture.ConnectAsync(alice.Token);
        await using SignalingClient brunoSignals = await fixture.ConnectAsync(bruno.Token);
        await using SignalingClient carlaSignals = await fixture.ConnectAsync(carla.Token);
        JoinedMessage aliceJoined = await aliceSignals.JoinAsync(room, Deadline.Token);
        await brunoSignals.JoinAsync(room, Deadline.Token);
        await carlaSignals.JoinAsync(room, Deadline.Token);

        using var tus = new TusRequests(fixture.Server.BaseAddress, alice.Token);
        byte[] data = RandomNumberGenerator.GetBytes(4000);
        string fileId = await tus.UploadAsync(data);
        await PutKeysAsync(tus, fileId, new FileKeyDto(bruno.UserId, "YnJ1bm8", "wrap-for-bruno"));

        FileOfferSentMessage sent = await aliceSignals.RequestAsync<FileOfferSentMessage>(new FileOfferMessage { Room = room, FileId = fileId }, Deadline.Token);
        Assert.Equal(1, sent.Notified);
        FileOfferedEvent offered = await brunoSignals.ReadEventAsync<FileOfferedEvent>(cancellationToken: Deadline.Token);
        Assert.Equal((room, fileId, aliceJoined.SessionId, alice.UserId, 4000L), (offered.Room, offered.FileId, offered.From, offered.UserId, offered.Length));

        // Carla holds no key: she hears nothing, even once she is given one and the file is offered again.
        await PutKeysAsync(tus, fileId, new FileKeyDto(carla.UserId, "Y2FybGE", "wrap-for-carla"));
        Assert.Equal(2, (await aliceSignals.RequestAsync<FileOfferSentMessage>(new FileOfferMessage { Room = room, FileId = fileId }, Deadline.Token)).Notified);
        FileOfferedEvent toCarla = await carlaSignals.ReadEventAsync<FileOfferedEvent>(cancellationToken: Deadline.Token);
        Assert.Equal(fileId, toCarla.FileId);
        Assert.Equal(0, CountOffers(carlaSignals));                       // one offer reached her, not the first
        Assert.Equal(0, CountOffers(aliceSignals));                       // nor does the sender hear its own
    }

    [Fact]
    public async Task Only_the_owner_may_offer_a_complete_file_from_inside_the_call()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse alice = await fixture.InviteAsync(room, "Alice");
        RedeemResponse bruno = await fixture.InviteAsync(room, "Bruno");
        await using SignalingClient aliceSignals = await fixture.ConnectAsync(alice.Token);
        await using SignalingClient brunoSignals = await fixture.ConnectAsync(bruno.Token);
        using var tus = new TusRequests(fixture.Server.BaseAddress, alice.Token);
        string fileId = await tus.UploadAsync(RandomNumberGenerator.GetBytes(100));
        await PutKeysAsync(tus, fileId, new FileKeyDto(bruno.UserId, "YnJ1bm8", "wrap"));

        Assert.Equal(ErrorCodes.NotInCall, (await OfferAsync(aliceSignals, room, fileId)).Code);
        await aliceSignals.JoinAsync(room, Deadline.Token);
        await brunoSignals.JoinAsync(room, Deadline.Token);
        Assert.Equal(ErrorCodes.Forbidden, (await OfferAsync(brunoSignals, room, fileId)).Code);          // a recipient, not the owner
        Assert.Equal(ErrorCodes.FileNotFound, (await OfferAsync(aliceSignals, room, TusRequests.NewFileId())).Code);
        string unfinished = TusRequests.NewFileId();
        (await tus.CreateAsync(100, unfinished, new byte[10])).Dispose();
        Assert.Equal(ErrorCodes.BadRequest, (await OfferAsync(aliceSignals, room, unfinished)).Code);
        Assert.Equal(ErrorCodes.BadRequest, (await OfferAsync(aliceSignals, room, "not/an id")).Code);
        Assert.Equal(0, CountOffers(brunoSignals));
    }

    private static async Task<SignalingException> OfferAsync(SignalingClient client, string room, string fileId) =>
        await Assert.ThrowsAsync<SignalingException>(() => client.RequestAsync<FileOfferSentMessage>(new FileOfferMessage { Room = room, FileId = fileId }, Deadline.Token));

    /// <summary>The file-offered events already received (a ping's answer first makes sure earlier events arrived).</summary>
    private static int CountOffers(SignalingClient client)
    {
        client.PingAsync(Deadline.Token).GetAwaiter().GetResult();
        int count = 0;
        while (client.Events.TryRead(out SignalMessage? message)) if (message is FileOfferedEvent) count++;
        return count;
    }

    private static async Task PutKeysAsync(TusRequests tus, string fileId, params FileKeyDto[] keys)
    {
        HttpRequestMessage request = tus.Request(HttpMethod.Put, $"/api/files/{fileId}/keys", tus: false);
        request.Content = JsonContent.Create(new FileKeysRequest(keys), ConclaveJsonContext.Default.FileKeysRequest);
        using HttpResponseMessage response = await tus.Http.SendAsync(request, Deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
