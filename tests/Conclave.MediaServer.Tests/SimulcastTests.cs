using System.Net;
using Conclave.Client;
using Conclave.Client.Media;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Media.Transport.Sdp;
using RtpHeaderExtension = Conclave.Media.Transport.Sdp.RtpHeaderExtension;
using Conclave.MediaServer.Media;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.MediaServer.Tests;

/// <summary>Simulcast through the real server: a .NET publisher sends two encodings by rid (RFC 8853) with the
/// dependency descriptor; a subscriber's <c>video-size</c> moves it between them, always at a keyframe of the new
/// layer and with continuous sequence numbers.</summary>
[Collection(ServerCollection.Name)]
public sealed class SimulcastTests(ServerFixture fixture)
{
    private const int StreamIdExtensionId = 2;
    private const int DescriptorExtensionId = 3;
    private const int KeyframeInterval = 10;                         // frames: a keyframe every 100 ms per layer

    [Fact]
    public async Task A_subscriber_moves_between_layers_at_keyframes_with_continuous_sequence_numbers()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            using var aliceMedia = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler());
            string published = await PublishCameraAsync(alice, aliceMedia);
            Assert.Contains("a=simulcast:recv q;h", published, StringComparison.Ordinal);
            string camera = (await bob.ReadEventAsync<TracksEvent>(t => t.Tracks.Count == 1, Deadline.Token)).Tracks[0].TrackId;

            var received = new RecordingHandler();
            using var bobMedia = new ClientMediaConnection(IPAddress.Loopback, received);
            AnswerMessage subscribed = await bob.RequestAsync<AnswerMessage>(new OfferMessage
            {
                Sdp = bobMedia.CreateOffer(),
                Subscribe = [new SubscribedSection(ClientMediaConnection.VideoMid, camera)],
            }, Deadline.Token);
            await bobMedia.ConnectAsync(subscribed.Sdp, Deadline.Token);

            using var sending = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
            Task publisher = PublishAsync(aliceMedia, sending.Token);
            Consumer consumer = fixture.Server.Services.GetRequiredService<CallMedia>().Find(room)!.Producers.Single().Consumers.Single();

            // Shown at 160 × 90: the lowest layer, entered at one of its keyframes.
            await bob.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 160, MaxHeight = 90 }, Deadline.Token);
            (Frame first, ushort sequence) = await NextFromLayerAsync(received, layer: 0, previous: null);
            Assert.Equal(0, first.FramesSinceKeyframe);
            Assert.Equal(0, consumer.CurrentLayer);
            for (int i = 0; i < 20; i++)
            {
                (Frame frame, ushort next) = await NextAsync(received);
                Assert.Equal((0, (ushort)(sequence + 1)), (frame.Layer, next));
                sequence = next;
            }

            // Shown larger: after the allocator's upgrade hold, the higher layer, from one of its keyframes on, and
            // the sequence numbers go on without a gap (no NACK for the switch).
            await bob.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 640, MaxHeight = 360 }, Deadline.Token);
            (Frame switched, ushort after) = await NextFromLayerAsync(received, layer: 1, previous: sequence);
            Assert.Equal(0, switched.FramesSinceKeyframe);
            (Frame following, ushort then) = await NextAsync(received);
            Assert.Equal((1, (ushort)(after + 1)), (following.Layer, then));
            Assert.Equal(1, consumer.CurrentLayer);

            await sending.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher);
            Assert.Equal(bobJoined.SessionId, consumer.Subscriber.ParticipantId);
        }
    }

    [Fact]
    public async Task A_subscriber_offering_transport_cc_gets_every_packet_numbered_in_send_order_and_its_feedback_counts()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, _) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, _) = await fixture.JoinAsync(room, "Bob");
        await using (alice)
        await using (bob)
        {
            using var aliceMedia = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler());
            string published = await PublishCameraAsync(alice, aliceMedia);
            // The SFU gives publishers no transport-cc feedback, so it does not negotiate the extension with them.
            Assert.DoesNotContain(RtpHeaderExtension.TransportWideCcUri, published, StringComparison.Ordinal);
            string camera = (await bob.ReadEventAsync<TracksEvent>(t => t.Tracks.Count == 1, Deadline.Token)).Tracks[0].TrackId;

            var received = new RecordingHandler();
            using var bobMedia = new ClientMediaConnection(IPAddress.Loopback, received);
            AnswerMessage subscribed = await bob.RequestAsync<AnswerMessage>(new OfferMessage
            {
                Sdp = bobMedia.CreateOffer([TransportCcReceiver()]),
                Subscribe = [new SubscribedSection(ClientMediaConnection.VideoMid, camera)],
            }, Deadline.Token);
            // draft-holmer-rmcat-transport-wide-cc-extensions-01 §4: the extension and the feedback, both answered.
            Assert.Contains($"a=extmap:{TransportCcExtensionId} {RtpHeaderExtension.TransportWideCcUri}", subscribed.Sdp, StringComparison.Ordinal);
            Assert.Contains($"a=rtcp-fb:{ClientMediaConnection.Vp8PayloadType} transport-cc", subscribed.Sdp, StringComparison.Ordinal);
            await bobMedia.ConnectAsync(subscribed.Sdp, Deadline.Token);

            using var sending = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
            Task publisher = PublishAsync(aliceMedia, sending.Token);
            Consumer consumer = fixture.Server.Services.GetRequiredService<CallMedia>().Find(room)!.Producers.Single().Consumers.Single();
            await bob.RequestAsync<VideoSizedMessage>(new VideoSizeMessage { TrackId = camera, MaxWidth = 160, MaxHeight = 90 }, Deadline.Token);

            // §2: every packet carries the next transport-wide sequence number.
            var numbers = new List<ushort>();
            while (numbers.Count < 30)
            {
                Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(await received.NextRtpAsync(), out RtpHeader header));
                Assert.Equal(RtpParseStatus.Ok, header.TryGetExtensions(out RtpHeaderExtensionReader extensions));
                Assert.True(extensions.TryFind(TransportCcExtensionId, out ReadOnlySpan<byte> value));
                Assert.True(TransportSequenceNumberExtension.TryRead(value, out ushort number));
                if (numbers.Count > 0) Assert.Equal((ushort)(numbers[^1] + 1), number);
                numbers.Add(number);
            }

            // §3.1: Bob reports the first 20 received and the last 10 lost; the SFU matches them to what it sent, so
            // its estimate for Bob sees a third lost (feedback about numbers it never sent would be ignored).
            var statuses = numbers.Select((n, i) => i < 20 ? new TransportCcPacket(n, TransportCcStatus.ReceivedSmallDelta, 40) : new TransportCcPacket(n, TransportCcStatus.NotReceived, 0)).ToArray();
            var feedback = new TransportCcWriter { SenderSsrc = 1, MediaSsrc = consumer.Ssrc, BaseSequenceNumber = numbers[0], Packets = statuses };
            byte[] rtcp = new byte[feedback.GetWrittenLength() + bobMedia.Transport.RtcpOverhead];
            Assert.True(feedback.TryWrite(rtcp, out int length));
            Assert.Equal(MediaSendStatus.Sent, bobMedia.Transport.SendRtcp(rtcp, length));
            while (consumer.Subscriber.Estimator.LossRatio == 0) await Task.Delay(TimeSpan.FromMilliseconds(20), Deadline.Token);
            Assert.Equal(10 / 30.0, consumer.Subscriber.Estimator.LossRatio, 9);

            await sending.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publisher);
        }
    }

    private const int TransportCcExtensionId = 5;

    /// <summary>Publishes <see cref="SimulcastCamera"/> and connects; returns the answer.</summary>
    private static async Task<string> PublishCameraAsync(SignalingClient signaling, ClientMediaConnection media)
    {
        AnswerMessage published = await signaling.RequestAsync<AnswerMessage>(new OfferMessage
        {
            Sdp = media.CreateOffer([SimulcastCamera()], extmapAllowMixed: true),
            Publish = [new PublishedSection(ClientMediaConnection.VideoMid, "camera")],
        }, Deadline.Token);
        await media.ConnectAsync(published.Sdp, Deadline.Token);
        return published.Sdp;
    }

    /// <summary>A subscriber's video section that offers transport-cc: the extension and the feedback type.</summary>
    private static MediaDescription TransportCcReceiver() => new()
    {
        Media = "video",
        Mid = ClientMediaConnection.VideoMid,
        Direction = MediaDirection.RecvOnly,
        Codecs = [new Codec(ClientMediaConnection.Vp8PayloadType, "VP8", 90000, null, [], [new("nack", null), new("nack", "pli"), new("transport-cc", null)])],
        Extensions =
        [
            new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null),
            new RtpHeaderExtension(TransportCcExtensionId, null, RtpHeaderExtension.TransportWideCcUri, null),
        ],
    };

    /// <summary>The publisher's video section: VP8 in two encodings, q (160 × 90) and h (320 × 180), lowest first.</summary>
    private static MediaDescription SimulcastCamera() => new()
    {
        Media = "video",
        Mid = ClientMediaConnection.VideoMid,
        Direction = MediaDirection.SendOnly,
        Codecs = [new Codec(ClientMediaConnection.Vp8PayloadType, "VP8", 90000, null, [], [new("nack", null), new("nack", "pli"), new("ccm", "fir")])],
        Extensions =
        [
            new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null),
            new RtpHeaderExtension(StreamIdExtensionId, null, RtpHeaderExtension.RtpStreamIdUri, null),
            new RtpHeaderExtension(DescriptorExtensionId, null, RtpHeaderExtension.DependencyDescriptorUri, null),
        ],
        Rids = [new RidDescription("q", RidDirection.Send, []), new RidDescription("h", RidDirection.Send, [])],
        Simulcast = new SimulcastDescription([[new SimulcastStream("q", false)], [new SimulcastStream("h", false)]], []),
    };

    /// <summary>Both layers, one single-packet frame every 10 ms each, a keyframe every <see cref="KeyframeInterval"/>
    /// frames; the payload names the layer and the frame's distance from its keyframe.</summary>
    private static async Task PublishAsync(ClientMediaConnection media, CancellationToken cancellationToken)
    {
        (string Rid, uint Ssrc, DependencyDescriptorWriter Descriptor)[] layers =
            [("q", 0x51000001, new DependencyDescriptorWriter(1, 160, 90)), ("h", 0x51000002, new DependencyDescriptorWriter(1, 320, 180))];
        byte[] extension = new byte[64];
        byte[] descriptor = new byte[64];
        byte[] packet = new byte[1500];
        for (int frame = 0; ; frame++)
        {
            for (int layer = 0; layer < layers.Length; layer++)
            {
                int sinceKeyframe = frame % KeyframeInterval;
                Assert.True(layers[layer].Descriptor.TryWrite(descriptor, new DependencyDescriptorFrame((ushort)frame, sinceKeyframe, true, true), out int descriptorLength));
                var extensions = new RtpHeaderExtensionWriter(extension, allowTwoByte: true);
                Assert.True(extensions.TryAdd(ClientMediaConnection.MidExtensionId, "1"u8));
                Assert.True(extensions.TryAdd(StreamIdExtensionId, System.Text.Encoding.ASCII.GetBytes(layers[layer].Rid)));
                Assert.True(extensions.TryAdd(DescriptorExtensionId, descriptor.AsSpan(0, descriptorLength)));
                Assert.True(extensions.TryFinish(out ushort profile, out int extensionLength));
                var writer = new RtpPacketWriter
                {
                    Marker = true,
                    PayloadType = ClientMediaConnection.Vp8PayloadType,
                    SequenceNumber = (ushort)frame,
                    Timestamp = (uint)frame * 900,
                    Ssrc = layers[layer].Ssrc,
                    HasExtension = true,
                    ExtensionProfile = profile,
                    ExtensionData = extension.AsSpan(0, extensionLength),
                    Payload = [(byte)layer, (byte)sinceKeyframe, 0x5E, 0xC0],
                };
                Assert.True(writer.TryWrite(packet, out int length));
                media.Transport.SendRtp(packet, length);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    private static async Task<(Frame Frame, ushort Sequence)> NextAsync(RecordingHandler received)
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(await received.NextRtpAsync(), out RtpHeader header));
        ReadOnlySpan<byte> payload = header.Payload;
        return (new Frame(payload[0], payload[1]), header.SequenceNumber);
    }

    /// <summary>Reads until the first packet of <paramref name="layer"/>; every packet read must follow the one
    /// before without a gap.</summary>
    private static async Task<(Frame Frame, ushort Sequence)> NextFromLayerAsync(RecordingHandler received, int layer, ushort? previous)
    {
        while (true)
        {
            (Frame frame, ushort sequence) = await NextAsync(received);
            if (previous is ushort last) Assert.Equal((ushort)(last + 1), sequence);
            previous = sequence;
            if (frame.Layer == layer) return (frame, sequence);
        }
    }

    private readonly record struct Frame(int Layer, int FramesSinceKeyframe);
}
