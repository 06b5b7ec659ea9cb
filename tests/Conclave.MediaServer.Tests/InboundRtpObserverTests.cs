using System.Collections.Concurrent;
using System.Net;
using Conclave.Client;
using Conclave.Client.Media;
using Conclave.Media.Transport.Rtp;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;
using RtpHeaderExtension = Conclave.Media.Transport.Sdp.RtpHeaderExtension;

namespace Conclave.MediaServer.Tests;

/// <summary>The SFU's diagnostics hook (<see cref="IInboundRtpObserver"/>, registered in DI): a .NET publisher sends
/// its microphone and camera over real sockets, and the observer sees every packet after SRTP, named by call,
/// publisher, source and mid, with the payload exactly as sent (header, extensions and padding removed) and the
/// dependency descriptor's start-of-frame flag.</summary>
public sealed class InboundRtpObserverTests
{
    private const int DescriptorExtensionId = 3;
    private const uint AudioSsrc = 0x0A11CE01;
    private const uint VideoSsrc = 0x0A11CE02;

    [Fact]
    public async Task The_observer_sees_each_published_packet_after_srtp_with_its_track_and_payload()
    {
        var observer = new RecordingObserver();
        await using TestServer server = await TestServer.StartAsync(services: s => s.AddSingleton<IInboundRtpObserver>(observer));
        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        string room = "observed-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest("Alice"), Deadline.Token);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(server.BaseAddress);
        RedeemResponse alice = await anonymous.RedeemInvitationAsync(new Uri(invitation.Url), Deadline.Token);
        await using var signaling = new SignalingClient();
        await signaling.ConnectAsync(server.BaseAddress, alice.Token, null, Deadline.Token);
        JoinedMessage joined = await signaling.JoinAsync(room, Deadline.Token);

        using var media = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler());
        AnswerMessage answer = await signaling.RequestAsync<AnswerMessage>(new OfferMessage
        {
            Sdp = media.CreateOffer([Microphone(), CameraWithDescriptor()], extmapAllowMixed: true),
            Publish = [new PublishedSection(ClientMediaConnection.AudioMid, "microphone"), new PublishedSection(ClientMediaConnection.VideoMid, "camera")],
        }, Deadline.Token);
        Assert.Contains(RtpHeaderExtension.DependencyDescriptorUri, answer.Sdp, StringComparison.Ordinal);
        await media.ConnectAsync(answer.Sdp, Deadline.Token);

        // Sent until seen (the SFU binds each SSRC by its mid at the first packet), 50 audio and 50 video packets a second.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        var descriptor = new DependencyDescriptorWriter(1, 320, 180);
        Task pump = Task.Run(async () =>
        {
            for (ushort seq = 1; ; seq++)
            {
                Send(media, AudioPacket(seq));
                Send(media, VideoPacket(seq, descriptor));
                await Task.Delay(TimeSpan.FromMilliseconds(20), sending.Token);
            }
        }, sending.Token);
        while (observer.Packets.Count(s => s.Source == TrackSource.Microphone) < 5 || observer.Packets.Count(s => s.Source == TrackSource.Camera) < 5)
        {
            Assert.False(pump.IsCompleted, $"the publisher stopped: {pump.Exception}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), Deadline.Token);
        }
        await sending.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump);

        Seen[] seen = [.. observer.Packets];
        Assert.All(seen, s => Assert.Equal((room, joined.SessionId), (s.CallId, s.ParticipantId)));
        Seen[] audio = [.. seen.Where(s => s.Source == TrackSource.Microphone)];
        Assert.All(audio, s =>
        {
            Assert.Equal((ClientMediaConnection.AudioMid, (string?)null, "opus", AudioSsrc, (byte)ClientMediaConnection.OpusPayloadType), (s.Mid, s.Rid, s.CodecName, s.Ssrc, s.PayloadType));
            Assert.Equal(AudioPayload(s.SequenceNumber), s.Payload);           // the 5 padding bytes are not in it
            Assert.Null(s.StartOfFrame);                                      // no dependency descriptor on audio
        });
        Seen[] video = [.. seen.Where(s => s.Source == TrackSource.Camera)];
        Assert.All(video, s =>
        {
            Assert.Equal((ClientMediaConnection.VideoMid, (string?)null, "VP8", VideoSsrc, (byte)ClientMediaConnection.Vp8PayloadType), (s.Mid, s.Rid, s.CodecName, s.Ssrc, s.PayloadType));
            Assert.Equal(VideoPayload(s.SequenceNumber), s.Payload);
            Assert.True(s.Marker);
            Assert.Equal(s.SequenceNumber * 3000u, s.Timestamp);
            Assert.Equal((bool?)(s.SequenceNumber % 2 == 1), s.StartOfFrame);             // the descriptor's own flag, read at the SFU
        });
        // In receive order, as the publisher sent them (loopback).
        Assert.Equal(audio.Select(s => s.SequenceNumber).Order(), audio.Select(s => s.SequenceNumber));
    }

    private static void Send(ClientMediaConnection media, byte[] packet)
    {
        byte[] buffer = new byte[packet.Length + media.Transport.RtpOverhead];
        packet.CopyTo(buffer, 0);
        media.Transport.SendRtp(buffer, packet.Length);
    }

    private static byte[] AudioPayload(ushort seq) => [0xA0, (byte)(seq >> 8), (byte)seq, 0x5E, 0xC0];

    /// <summary>A VP8 payload descriptor with S=1 (RFC 7741 §4.2) and a few bytes; the content does not matter.</summary>
    private static byte[] VideoPayload(ushort seq) => [0x10, (byte)(seq >> 8), (byte)seq, 0x9D, 0x01, 0x2A];

    /// <summary>Opus with the mid extension and 5 bytes of RTP padding (RFC 3550 §5.1).</summary>
    private static byte[] AudioPacket(ushort seq)
    {
        byte[] extension = [(byte)(ClientMediaConnection.MidExtensionId << 4 | 0), (byte)ClientMediaConnection.AudioMid[0], 0, 0];
        var writer = new RtpPacketWriter
        {
            PayloadType = ClientMediaConnection.OpusPayloadType,
            SequenceNumber = seq,
            Timestamp = seq * 960u,
            Ssrc = AudioSsrc,
            HasExtension = true,
            ExtensionProfile = 0xBEDE,
            ExtensionData = extension,
            Payload = AudioPayload(seq),
            PaddingLength = 5,
        };
        byte[] packet = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(packet, out _));
        return packet;
    }

    /// <summary>VP8 with the mid and a dependency descriptor (two-byte extensions: the keyframe's structure is longer
    /// than 16 bytes) whose start-of-frame flag is set on odd sequence numbers (keyframes at 1, 11, 21, …).</summary>
    private static byte[] VideoPacket(ushort seq, DependencyDescriptorWriter descriptors)
    {
        byte[] descriptor = new byte[64];
        Assert.True(descriptors.TryWrite(descriptor, new DependencyDescriptorFrame(seq, (seq - 1) % 10, seq % 2 == 1, true), out int descriptorLength));
        byte[] extension = new byte[96];
        var extensions = new RtpHeaderExtensionWriter(extension, allowTwoByte: true);
        Assert.True(extensions.TryAdd(ClientMediaConnection.MidExtensionId, "1"u8));
        Assert.True(extensions.TryAdd(DescriptorExtensionId, descriptor.AsSpan(0, descriptorLength)));
        Assert.True(extensions.TryFinish(out ushort profile, out int extensionLength));
        var writer = new RtpPacketWriter
        {
            Marker = true,
            PayloadType = ClientMediaConnection.Vp8PayloadType,
            SequenceNumber = seq,
            Timestamp = seq * 3000u,
            Ssrc = VideoSsrc,
            HasExtension = true,
            ExtensionProfile = profile,
            ExtensionData = extension.AsSpan(0, extensionLength),
            Payload = VideoPayload(seq),
        };
        byte[] packet = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(packet, out _));
        return packet;
    }

    private static MediaDescription Microphone() => new()
    {
        Media = "audio",
        Mid = ClientMediaConnection.AudioMid,
        Direction = MediaDirection.SendOnly,
        Codecs = [new Codec(ClientMediaConnection.OpusPayloadType, "opus", 48000, 2, [], [])],
        Extensions = [new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null)],
    };

    private static MediaDescription CameraWithDescriptor() => new()
    {
        Media = "video",
        Mid = ClientMediaConnection.VideoMid,
        Direction = MediaDirection.SendOnly,
        Codecs = [new Codec(ClientMediaConnection.Vp8PayloadType, "VP8", 90000, null, [], [new("nack", null), new("nack", "pli")])],
        Extensions =
        [
            new RtpHeaderExtension(ClientMediaConnection.MidExtensionId, null, RtpHeaderExtension.MidUri, null),
            new RtpHeaderExtension(DescriptorExtensionId, null, RtpHeaderExtension.DependencyDescriptorUri, null),
        ],
    };

    private sealed record Seen(string CallId, string ParticipantId, TrackSource Source, string Mid, string? Rid, string CodecName,
        uint Ssrc, byte PayloadType, ushort SequenceNumber, uint Timestamp, bool Marker, bool? StartOfFrame, byte[] Payload);

    /// <summary>Copies what it is shown (the packet's span is only valid during the call).</summary>
    private sealed class RecordingObserver : IInboundRtpObserver
    {
        public ConcurrentQueue<Seen> Packets { get; } = new();

        public void OnInboundRtp(in InboundRtpPacket packet) => Packets.Enqueue(new Seen(packet.CallId, packet.ParticipantId, packet.Source,
            packet.Mid, packet.Rid, packet.CodecName, packet.Ssrc, packet.PayloadType, packet.SequenceNumber, packet.Timestamp,
            packet.Marker, packet.StartOfFrame, packet.Payload.ToArray()));
    }
}
