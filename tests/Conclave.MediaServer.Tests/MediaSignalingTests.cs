using System.Net;
using Conclave.Client;
using Conclave.Client.Media;
using Conclave.Media.Transport.Dtls;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Tests;

/// <summary>The media part of signaling (docs/signaling.md, "Media") over a real socket: offers answered by the SFU,
/// the <c>tracks</c> events they cause, mute, and the refusals.</summary>
[Collection(ServerCollection.Name)]
public sealed class MediaSignalingTests(ServerFixture fixture)
{
    [Fact]
    public async Task Publishing_tells_the_others_through_tracks_and_mute_shows_there()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            using var media = new ClientMediaConnection(IPAddress.Loopback, new NoMedia());
            var offer = new OfferMessage
            {
                Sdp = media.CreateOffer(),
                Publish = [new PublishedSection(ClientMediaConnection.AudioMid, "microphone"), new PublishedSection(ClientMediaConnection.VideoMid, "camera")],
            };
            AnswerMessage answer = await bob.RequestAsync<AnswerMessage>(offer, Deadline.Token);
            Assert.Contains("a=ice-lite", answer.Sdp, StringComparison.Ordinal);
            Assert.Contains("a=recvonly", answer.Sdp, StringComparison.Ordinal);

            TracksEvent tracks = await alice.ReadEventAsync<TracksEvent>(t => t.Tracks.Count == 2, Deadline.Token);
            Assert.All(tracks.Tracks, t => Assert.Equal(bobJoined.SessionId, t.ParticipantId));
            Assert.Equal(["audio/microphone", "video/camera"], tracks.Tracks.Select(t => $"{t.Kind}/{t.Source}").Order());
            Assert.All(tracks.Tracks, t => Assert.False(t.Muted));

            MutedMessage muted = await bob.RequestAsync<MutedMessage>(new MuteMessage { Mid = ClientMediaConnection.AudioMid, Muted = true }, Deadline.Token);
            Assert.True(muted.Muted);
            TracksEvent after = await alice.ReadEventAsync<TracksEvent>(t => t.Tracks.Any(track => track.Muted), Deadline.Token);
            Assert.Equal("audio", Assert.Single(after.Tracks, t => t.Muted).Kind);

            // Alice receives Bob's camera and says how large she shows it; 0 × 0 hides it.
            string camera = tracks.Tracks.Single(t => t.Source == "camera").TrackId;
            using var aliceMedia = new ClientMediaConnection(IPAddress.Loopback, new NoMedia());
            await alice.RequestAsync<AnswerMessage>(new OfferMessage { Sdp = aliceMedia.CreateOffer(), Subscribe = [new SubscribedSection(ClientMediaConnection.VideoMid, camera)] }, Deadline.Token);
            VideoSizedMessage sized = await alice.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 320, MaxHeight = 180 }, Deadline.Token);
            Assert.Equal((camera, 320, 180), (sized.TrackId, sized.MaxWidth, sized.MaxHeight));
            await alice.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 0, MaxHeight = 0 }, Deadline.Token);
            string microphone = tracks.Tracks.Single(t => t.Source == "microphone").TrackId;
            await ExpectAsync<VideoSizedMessage>(alice, new VideoSizeMessage { TrackId = microphone, MaxWidth = 320, MaxHeight = 180 }, ErrorCodes.BadTrack, "no video track");

            await bob.LeaveAsync(Deadline.Token);
            await alice.ReadEventAsync<TracksEvent>(t => t.Tracks.Count == 0, Deadline.Token);
        }
    }

    [Fact]
    public async Task Bad_offers_and_mutes_get_clear_errors()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        await using (alice)
        {
            using var media = new ClientMediaConnection(IPAddress.Loopback, new NoMedia());
            string sdp = media.CreateOffer();

            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = "v=0\r\nnot sdp\r\n" }, ErrorCodes.BadSdp, "line 2");
            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = sdp.Replace("a=rtcp-mux\r\n", "", StringComparison.Ordinal) }, ErrorCodes.BadSdp, "rtcp-mux");
            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = sdp, Publish = [new PublishedSection(ClientMediaConnection.AudioMid, "camera")] }, ErrorCodes.BadTrack, "cannot carry camera");
            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = sdp, Publish = [new PublishedSection("9", "microphone")] }, ErrorCodes.BadTrack, "no active section");
            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = sdp, Publish = [new PublishedSection("0", "speaker")] }, ErrorCodes.BadRequest, "source");
            await ExpectAsync<MutedMessage>(alice, new MuteMessage { Mid = "0", Muted = true }, ErrorCodes.BadTrack, "no track");
            await ExpectAsync<VideoSizedMessage>(alice, new VideoSizeMessage { TrackId = "t-0123456789abcdef", MaxWidth = 640, MaxHeight = 360 }, ErrorCodes.BadTrack, "no video track");
            await ExpectAsync<VideoSizedMessage>(alice, new VideoSizeMessage { TrackId = "t-0123456789abcdef", MaxWidth = -1, MaxHeight = 360 }, ErrorCodes.BadRequest, "maxWidth");

            await alice.LeaveAsync(Deadline.Token);
            await ExpectAsync<AnswerMessage>(alice, new OfferMessage { Sdp = sdp }, ErrorCodes.NotInCall, "join");
            await ExpectAsync<VideoSizedMessage>(alice, new VideoSizeMessage { TrackId = "t-0123456789abcdef", MaxWidth = 640, MaxHeight = 360 }, ErrorCodes.NotInCall, "join");
        }
    }

    private static async Task ExpectAsync<TReply>(SignalingClient client, SignalMessage request, string code, string messagePart) where TReply : SignalMessage
    {
        var error = await Assert.ThrowsAsync<SignalingException>(() => client.RequestAsync<TReply>(request, Deadline.Token));
        Assert.Equal(code, error.Code);
        Assert.Contains(messagePart, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class NoMedia : IDtlsSrtpTransportHandler
    {
        public void OnConnected(DtlsSrtpTransport transport)
        {
        }

        public void OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
        {
        }

        public void OnRtcp(DtlsSrtpTransport transport, Span<byte> packet)
        {
        }

        public void OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail)
        {
        }
    }
}
