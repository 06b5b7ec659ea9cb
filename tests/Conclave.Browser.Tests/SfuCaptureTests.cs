using System.Security.Cryptography;
using Conclave.E2ee.SFrame;
using Conclave.Sfu.Routing;
using Xunit.Sdk;

namespace Conclave.Browser.Tests;

/// <summary>
/// The SFU-side E2EE check (<see cref="SfuCapture"/>) on synthetic packets, without a browser: real SFrame output of
/// Conclave.E2ee passes, packetized as Chromium does (Opus one frame per packet; VP8 split over packets behind a
/// payload descriptor, RFC 7741 §4.2, long without the dependency descriptor and one byte with it), and what a
/// bypassed encoded transform would send fails: plaintext VP8 keyframes and interframes, plaintext Opus, and SFrame
/// frames with another sender's KID, a repeated counter or no room for the tag.
/// </summary>
public sealed class SfuCaptureTests
{
    private const string Alice = "session-alice";
    private const ulong AliceIndex = 2;
    private const uint AudioSsrc = 0x0A0A0001;
    private const uint LowSsrc = 0x0A0A0002;
    private const uint HighSsrc = 0x0A0A0003;
    private const int MaxPacketData = 1100;

    private static readonly Func<ulong, bool> AlicesKid = SfuCapture.KidOfSender(AliceIndex);

    [Fact]
    public void Real_sframe_opus_and_simulcast_vp8_pass()
    {
        var capture = new SfuCapture();
        using var microphone = Sender(AliceIndex, epoch: 0);
        using var camera = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        int firstHighLength = 0;
        for (int frame = 0; frame < 60; frame++)
        {
            packets.Opus(Encrypt(microphone, PlaintextOpus(frame)));
            // One sender's counter across both encodings (one transform on the RTCRtpSender): increasing per SSRC.
            packets.Vp8(LowSsrc, "q", Encrypt(camera, frame % 30 == 0 ? PlaintextVp8Keyframe(400) : PlaintextVp8Interframe(300)), longDescriptor: true);
            byte[] high = Encrypt(camera, frame % 30 == 0 ? PlaintextVp8Keyframe(3000) : PlaintextVp8Interframe(1500));
            if (frame == 0) firstHighLength = high.Length;
            packets.Vp8(HighSsrc, "h", high, longDescriptor: false);
            packets.Padding(HighSsrc);
        }

        capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 60);
        capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 120);
        IReadOnlyList<CapturedFrame> video = capture.Frames(Alice, TrackSource.Camera);
        CapturedFrame key = video.First(f => f.Ssrc == HighSsrc);
        Assert.Equal((3, firstHighLength, 1, (bool?)true), (key.PacketCount, key.Length, key.Descriptor.Length, key.StartOfFrame));
        Assert.Equal(6, video.First(f => f.Ssrc == LowSsrc).Descriptor.Length);
        Assert.All(video, f => Assert.True(f.Marker));
    }

    [Fact]
    public void A_plaintext_vp8_keyframe_fails_and_the_message_shows_its_bytes()
    {
        var capture = new SfuCapture();
        using var camera = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 20; frame++) packets.Vp8(LowSsrc, null, Encrypt(camera, PlaintextVp8Interframe(500)), longDescriptor: true);
        packets.Vp8(LowSsrc, null, PlaintextVp8Keyframe(2500), longDescriptor: true);          // the transform bypassed once

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 20));
        Assert.Contains("1 of 21 frames", message, StringComparison.Ordinal);
        Assert.Contains("plaintext VP8 keyframe", message, StringComparison.Ordinal);
        Assert.Contains("data [50 2d 00 9d 01 2a", message, StringComparison.Ordinal);
        Assert.Contains("descriptor [90e0", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plaintext_vp8_interframes_fail()
    {
        var capture = new SfuCapture();
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 30; frame++) packets.Vp8(HighSsrc, null, PlaintextVp8Interframe(700 + frame), longDescriptor: false);

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 30));
        Assert.Contains("30 of 30 frames", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vp8_with_its_uncompressed_data_chunk_in_clear_passes_only_when_that_layout_is_asked_for()
    {
        var capture = new SfuCapture();
        using var camera = Sender(AliceIndex, epoch: 3);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 30; frame++)
        {
            byte[] plaintext = frame % 10 == 0 ? PlaintextVp8Keyframe(2000) : PlaintextVp8Interframe(600);
            packets.Vp8(LowSsrc, null, EncryptAfterClearChunk(camera, plaintext), longDescriptor: frame % 2 == 0);
        }

        capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 30, vp8ClearPrefix: Vp8ClearPrefix.UncompressedDataChunk);
        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 30));
        Assert.Contains("30 of 30 frames", message, StringComparison.Ordinal);
        Assert.Contains("follows a 10-byte clear VP8 prefix", message, StringComparison.Ordinal);
        Assert.Contains("follows a 3-byte clear VP8 prefix", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plaintext_vp8_fails_also_when_a_clear_prefix_is_allowed()
    {
        var capture = new SfuCapture();
        using var camera = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 10; frame++) packets.Vp8(LowSsrc, null, EncryptAfterClearChunk(camera, PlaintextVp8Interframe(600)), longDescriptor: true);
        for (int frame = 0; frame < 10; frame++)
        {
            packets.Vp8(LowSsrc, null, frame % 5 == 0 ? PlaintextVp8Keyframe(1500) : PlaintextVp8Interframe(600), longDescriptor: true);
        }
        byte[] fakeKeyframe = EncryptAfterClearChunk(camera, PlaintextVp8Keyframe(1500));
        fakeKeyframe[4] = 0x00;                                                 // P=0 but no start code
        packets.Vp8(LowSsrc, null, fakeKeyframe, longDescriptor: true);

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 21,
            vp8ClearPrefix: Vp8ClearPrefix.UncompressedDataChunk));
        Assert.Contains("11 of 21 frames", message, StringComparison.Ordinal);
        Assert.Contains("at offset 10", message, StringComparison.Ordinal);
        Assert.Contains("at offset 3", message, StringComparison.Ordinal);
        Assert.Contains("without the start code", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plaintext_opus_fails()
    {
        var capture = new SfuCapture();
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 50; frame++) packets.Opus(PlaintextOpus(frame));

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 50));
        Assert.Contains("50 of 50 frames", message, StringComparison.Ordinal);
        Assert.Contains("data [78 ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_senders_kid_fails()
    {
        var capture = new SfuCapture();
        using var bruno = Sender(AliceIndex + 1, epoch: 4);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 10; frame++) packets.Opus(Encrypt(bruno, PlaintextOpus(frame)));

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 10));
        Assert.Contains($"KID {SFrameKeyId.Create(AliceIndex + 1, 4)} is not the publisher's", message, StringComparison.Ordinal);
        capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, SfuCapture.KidOfSender(AliceIndex + 1), minFrames: 10);
    }

    [Fact]
    public void A_repeated_counter_fails()
    {
        var capture = new SfuCapture();
        using var microphone = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        byte[] replayed = Encrypt(microphone, PlaintextOpus(0));
        packets.Opus(replayed);
        packets.Opus(Encrypt(microphone, PlaintextOpus(1)));
        packets.Opus(replayed);

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 3));
        Assert.Contains("CTR 0 after 1", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_without_room_for_the_tag_fails()
    {
        var capture = new SfuCapture();
        using var microphone = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        byte[] frame = Encrypt(microphone, PlaintextOpus(0));
        packets.Opus(frame.AsSpan(0, frame.Length - PlaintextOpus(0).Length - 1).ToArray());   // header + 15 bytes

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 1));
        Assert.Contains("16-byte tag", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_frames_fail_with_what_was_captured()
    {
        var capture = new SfuCapture();
        using var microphone = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 5; frame++) packets.Opus(Encrypt(microphone, PlaintextOpus(frame)));

        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Microphone, AlicesKid, minFrames: 6));
        Assert.Contains("5 frames captured at the SFU, 6 needed", message, StringComparison.Ordinal);
        Assert.Contains($"{Alice} Microphone [opus]: 5 packets, 5 frames", message, StringComparison.Ordinal);
        Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 1));
    }

    [Fact]
    public void A_check_since_a_mark_sees_only_the_frames_after_it()
    {
        var capture = new SfuCapture();
        using var camera = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 10; frame++) packets.Vp8(LowSsrc, null, Encrypt(camera, PlaintextVp8Interframe(800)), longDescriptor: true);
        CaptureMark renegotiated = capture.Mark();
        // A transform attached too late: the frames after renegotiation go out in clear.
        for (int frame = 0; frame < 10; frame++) packets.Vp8(LowSsrc, null, frame == 0 ? PlaintextVp8Keyframe(900) : PlaintextVp8Interframe(800), longDescriptor: true);
        CaptureMark reconnected = capture.Mark();
        for (int frame = 0; frame < 10; frame++) packets.Vp8(LowSsrc, null, Encrypt(camera, PlaintextVp8Interframe(800)), longDescriptor: true);

        Assert.Equal(30, capture.CountFrames(Alice, TrackSource.Camera));
        Assert.Equal(10, capture.CountFrames(Alice, TrackSource.Camera, reconnected));
        Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 30));
        string message = Fails(() => capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 20, since: renegotiated));
        Assert.Contains($"since {renegotiated}: 10 of 20 frames", message, StringComparison.Ordinal);
        capture.AssertSFrameCiphertext(Alice, TrackSource.Camera, AlicesKid, minFrames: 10, since: reconnected);
    }

    [Fact]
    public async Task Waiting_returns_once_enough_frames_arrived_after_the_mark_and_fails_at_its_deadline()
    {
        var capture = new SfuCapture();
        using var microphone = Sender(AliceIndex, epoch: 0);
        var packets = new Packetizer(capture);
        for (int frame = 0; frame < 40; frame++) packets.Opus(Encrypt(microphone, PlaintextOpus(frame)));
        CaptureMark mark = capture.Mark();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task sending = Task.Run(async () =>
        {
            for (int frame = 0; frame < 20; frame++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), stop.Token);
                packets.Opus(Encrypt(microphone, PlaintextOpus(frame)));
            }
        }, stop.Token);

        await capture.AssertSFrameCiphertextAsync(Alice, TrackSource.Microphone, AlicesKid, minFrames: 20, since: mark);
        await sending;
        var timedOut = await Assert.ThrowsAnyAsync<XunitException>(() => capture.WaitForFramesAsync(Alice, TrackSource.Microphone, 21, mark,
            TimeSpan.FromMilliseconds(200)));
        Assert.Contains("20 arrived", timedOut.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x10, 0xAA }, 1, true, 0)]                              // no extension
    [InlineData(new byte[] { 0x90, 0x80, 0x12, 0xAA }, 3, true, 0)]                   // I, 7-bit PictureID
    [InlineData(new byte[] { 0x90, 0xE0, 0x81, 0x23, 0x05, 0x40, 0xAA }, 6, true, 0)] // I (15 bits), L, T
    [InlineData(new byte[] { 0x81, 0x10, 0x20, 0xAA }, 3, false, 1)]                  // K only, partition 1
    [InlineData(new byte[] { 0x90, 0xE0, 0x81 }, -1, true, 0)]                        // truncated
    [InlineData(new byte[] { 0x10 }, -1, true, 0)]                                    // no data after it
    public void The_vp8_payload_descriptor_length_follows_its_flags(byte[] payload, int length, bool start, int partition)
    {
        Assert.Equal(length, Vp8PayloadDescriptor.GetLength(payload, out bool s, out int pid));
        Assert.Equal((start, partition), (s, pid));
    }

    private static string Fails(Action check) => Assert.ThrowsAny<XunitException>(check).Message;

    private static SFrameSender Sender(ulong senderIndex, byte epoch)
    {
        var sender = new SFrameSender();
        sender.SetKey(SFrameKeyId.Create(senderIndex, epoch), RandomNumberGenerator.GetBytes(16));
        return sender;
    }

    private static byte[] Encrypt(SFrameSender sender, byte[] plaintext)
    {
        byte[] ciphertext = new byte[sender.GetCiphertextLength(plaintext.Length)];
        Assert.Equal(SFrameStatus.Ok, sender.Encrypt(plaintext, default, ciphertext, out int written));
        Assert.Equal(ciphertext.Length, written);
        return ciphertext;
    }

    /// <summary>The web client's VP8 layout (docs/e2ee.md): the uncompressed data chunk (RFC 6386 §9.1; 10 bytes on a
    /// keyframe, 3 otherwise) in clear and authenticated as SFrame metadata, then the SFrame ciphertext of the rest.</summary>
    private static byte[] EncryptAfterClearChunk(SFrameSender sender, byte[] plaintext)
    {
        int chunk = (plaintext[0] & 0x01) == 0 ? 10 : 3;
        byte[] ciphertext = new byte[sender.GetCiphertextLength(plaintext.Length - chunk)];
        Assert.Equal(SFrameStatus.Ok, sender.Encrypt(plaintext.AsSpan(chunk), plaintext.AsSpan(0, chunk), ciphertext, out int written));
        return [.. plaintext.AsSpan(0, chunk), .. ciphertext.AsSpan(0, written)];
    }

    /// <summary>An Opus packet (RFC 6716 §3.1): TOC 0x78 (config 15, hybrid fullband 20 ms, mono, one frame), then data.</summary>
    private static byte[] PlaintextOpus(int frame) => [0x78, .. Filler(60 + frame % 7, frame)];

    /// <summary>A VP8 keyframe (RFC 6386 §9.1): frame tag (key, version 0, shown), start code, 640 × 480, then data.</summary>
    private static byte[] PlaintextVp8Keyframe(int length) => [0x50, 0x2D, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01, .. Filler(length - 10, 1)];

    /// <summary>A VP8 interframe (RFC 6386 §9.1): frame tag with P=1, then data.</summary>
    private static byte[] PlaintextVp8Interframe(int length) => [0x31, 0x0B, 0x00, .. Filler(length - 3, 2)];

    private static byte[] Filler(int length, int seed)
    {
        var random = new Random(seed);
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Chromium's packetization as the SFU receives it, fed to the capture.</summary>
    private sealed class Packetizer(SfuCapture capture)
    {
        private readonly Dictionary<uint, (ushort Sequence, uint Timestamp, ushort PictureId)> _streams = [];

        public void Opus(byte[] frame)
        {
            (ushort seq, uint ts, _) = Next(AudioSsrc, 960);
            capture.Record(Alice, TrackSource.Microphone, "opus", null, AudioSsrc, 111, seq, ts, false, null, frame);
        }

        /// <summary>A frame over packets of at most <see cref="MaxPacketData"/> bytes. Long descriptor: X, I (15-bit
        /// PictureID), L, T, as Chromium sends without the dependency descriptor; short: the one byte it sends with it.</summary>
        public void Vp8(uint ssrc, string? rid, byte[] frame, bool longDescriptor)
        {
            (ushort seq, uint ts, ushort pictureId) = Next(ssrc, 3000);
            int packets = (frame.Length + MaxPacketData - 1) / MaxPacketData;
            for (int i = 0; i < packets; i++)
            {
                bool first = i == 0;
                byte[] descriptor = longDescriptor
                    ? [(byte)(first ? 0x90 : 0x80), 0xE0, (byte)(0x80 | pictureId >> 8 & 0x7F), (byte)pictureId, 0x07, 0x40]
                    : [(byte)(first ? 0x10 : 0x00)];
                byte[] payload = [.. descriptor, .. frame.AsSpan(i * MaxPacketData, Math.Min(MaxPacketData, frame.Length - i * MaxPacketData))];
                capture.Record(Alice, TrackSource.Camera, "VP8", rid, ssrc, 96, (ushort)(seq + i), ts, i == packets - 1,
                    longDescriptor ? null : first, payload);
            }
            _streams[ssrc] = _streams[ssrc] with { Sequence = (ushort)(seq + packets) };
        }

        /// <summary>A padding-only packet (empty payload), as a bandwidth probe.</summary>
        public void Padding(uint ssrc)
        {
            (ushort seq, uint ts, _) = Next(ssrc, 0);
            capture.Record(Alice, TrackSource.Camera, "VP8", null, ssrc, 96, seq, ts, false, null, []);
        }

        private (ushort Sequence, uint Timestamp, ushort PictureId) Next(uint ssrc, uint duration)
        {
            (ushort seq, uint ts, ushort pictureId) = _streams.TryGetValue(ssrc, out var stream) ? stream : ((ushort)(ssrc * 7), ssrc, (ushort)1);
            _streams[ssrc] = ((ushort)(seq + 1), ts + duration, (ushort)((pictureId + 1) & 0x7FFF));
            return (seq, ts, pictureId);
        }
    }
}
