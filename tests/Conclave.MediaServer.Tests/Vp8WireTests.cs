using System.Buffers.Binary;
using System.Security.Cryptography;
using Conclave.Client.Calls;
using Conclave.Client.Media;
using Conclave.Client.Media.Video;
using Conclave.E2ee.SFrame;
using Conclave.Media.Transport.Rtp;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The .NET client's VP8 on the wire (issue 7): the RFC 7741 payload descriptor, IVF between this process and ffmpeg,
/// the clear uncompressed data chunk of an SFrame-encrypted frame (docs/e2ee.md), and the recorder's reassembly: a lost
/// packet drops frames until a keyframe, which it asks for. Hostile bytes never throw.
/// </summary>
public sealed class Vp8WireTests
{
    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    [InlineData(true, 0x7FFF)]
    public void The_descriptor_written_reads_back_with_its_start_bit(bool start, int pictureId)
    {
        Span<byte> descriptor = stackalloc byte[Vp8PayloadDescriptor.Length];
        Vp8PayloadDescriptor.Write(descriptor, start, (ushort)pictureId);
        Assert.True(Vp8PayloadDescriptor.TryRead(descriptor, out int length, out bool startOfFrame));
        Assert.Equal((Vp8PayloadDescriptor.Length, start), (length, startOfFrame));
        Assert.Equal(pictureId, BinaryPrimitives.ReadUInt16BigEndian(descriptor[2..]) & 0x7FFF);
    }

    [Theory]
    [InlineData(new byte[] { 0x10 }, 1, true)]                                    // RFC 7741 §4.2: X = 0, S = 1
    [InlineData(new byte[] { 0x00 }, 1, false)]
    [InlineData(new byte[] { 0x11 }, 1, false)]                                   // S = 1 but partition 1
    [InlineData(new byte[] { 0x90, 0x80, 0x05 }, 3, true)]                        // 7-bit PictureID
    [InlineData(new byte[] { 0x90, 0xE0, 0x80, 0x01, 0x02, 0x40 }, 6, true)]      // I (15-bit), L, T: every field
    [InlineData(new byte[] { 0x80, 0x10, 0x20 }, 3, false)]                       // K alone: one TID/KEYIDX byte
    public void Any_descriptor_of_RFC_7741_is_measured(byte[] payload, int expectedLength, bool expectedStart)
    {
        Assert.True(Vp8PayloadDescriptor.TryRead(payload, out int length, out bool start));
        Assert.Equal((expectedLength, expectedStart), (length, start));
    }

    [Fact]
    public void Truncated_descriptors_are_refused_and_no_three_bytes_throw()
    {
        Assert.False(Vp8PayloadDescriptor.TryRead([], out _, out _));
        Assert.False(Vp8PayloadDescriptor.TryRead([0x80], out _, out _));                // X without its byte
        Assert.False(Vp8PayloadDescriptor.TryRead([0x80, 0x80], out _, out _));          // I without PictureID
        Assert.False(Vp8PayloadDescriptor.TryRead([0x80, 0x80, 0x80], out _, out _));    // a 15-bit PictureID cut
        byte[] bytes = new byte[3];
        for (int value = 0; value < 1 << 24; value += 97)
        {
            bytes[0] = (byte)(value >> 16);
            bytes[1] = (byte)(value >> 8);
            bytes[2] = (byte)value;
            if (Vp8PayloadDescriptor.TryRead(bytes, out int length, out _)) Assert.InRange(length, 1, 3);
        }
    }

    [Fact]
    public void The_clear_prefix_is_the_uncompressed_data_chunk_ten_bytes_on_a_keyframe_three_otherwise()
    {
        byte[] keyframe = Keyframe(64, 48, 200);
        Assert.True(Vp8Frame.IsKeyframe(keyframe));
        Assert.Equal(Vp8Frame.KeyframeHeaderLength, Vp8Frame.ClearPrefixLength(keyframe));
        Assert.Equal((64, 48), IvfWriter.KeyframeSize(keyframe));
        byte[] interframe = Interframe(50);
        Assert.False(Vp8Frame.IsKeyframe(interframe));
        Assert.Equal(Vp8Frame.InterframeHeaderLength, Vp8Frame.ClearPrefixLength(interframe));
        Assert.Equal(-1, Vp8Frame.ClearPrefixLength([0x01, 0x02]));
        Assert.Equal(-1, Vp8Frame.ClearPrefixLength(keyframe.AsSpan(0, 9)));         // a keyframe too short for its chunk
    }

    [Fact]
    public async Task Ivf_written_reads_back_frame_by_frame_and_damaged_streams_are_refused()
    {
        using var stream = new MemoryStream();
        byte[] header = new byte[IvfReader.FileHeaderLength];
        IvfWriter.WriteFileHeader(header, 640, 360);
        stream.Write(header);
        byte[][] frames = [Keyframe(640, 360, 3000), Interframe(400), Interframe(1)];
        for (int i = 0; i < frames.Length; i++)
        {
            byte[] frameHeader = new byte[IvfReader.FrameHeaderLength];
            IvfWriter.WriteFrameHeader(frameHeader, frames[i].Length, i * 3000L);
            stream.Write(frameHeader);
            stream.Write(frames[i]);
        }
        byte[] ivf = stream.ToArray();

        var reader = new IvfReader(new MemoryStream(ivf));
        foreach (byte[] frame in frames) Assert.Equal(frame, (await reader.ReadFrameAsync(CancellationToken.None)).ToArray());
        Assert.True((await reader.ReadFrameAsync(CancellationToken.None)).IsEmpty);
        Assert.Equal("VP80", reader.FourCc);

        byte[] notIvf = [.. ivf];
        notIvf[0] = (byte)'X';
        await Assert.ThrowsAsync<InvalidDataException>(() => new IvfReader(new MemoryStream(notIvf)).ReadFrameAsync(CancellationToken.None).AsTask());
        var cut = new IvfReader(new MemoryStream(ivf, 0, ivf.Length - 1));
        await Assert.ThrowsAsync<InvalidDataException>(async () => { while (!(await cut.ReadFrameAsync(CancellationToken.None)).IsEmpty) { } });
        byte[] huge = [.. ivf];
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(IvfReader.FileHeaderLength), Vp8VideoSender.MaxFrameLength + 1u);
        await Assert.ThrowsAsync<InvalidDataException>(() => new IvfReader(new MemoryStream(huge)).ReadFrameAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Frames_sent_are_sframe_behind_their_clear_chunk_and_a_lost_packet_drops_frames_until_a_keyframe_asked_for()
    {
        byte[] baseKey = RandomNumberGenerator.GetBytes(16);
        SFrameKeyId kid = SFrameKeyId.Create(3, 0);
        using var senderKeys = new CallMediaKeys();
        using var receiverKeys = new CallMediaKeys();
        senderKeys.SetSendKey(kid.Value, baseKey);
        receiverKeys.AddReceiveKey(kid.Value, baseKey);
        var sender = new Vp8VideoSender(senderKeys, "1", 1);
        var asked = new List<uint>();
        await using var recorder = new Vp8VideoRecorder(receiverKeys, directory: null, tools: null, asked.Add);
        recorder.Bind(sender.Ssrc, "presenter", "camera");
        Assert.Equal([sender.Ssrc], asked);                               // a picture now: a PLI at once

        // A keyframe of 3 packets, then interframes; each packet's payload: descriptor, then clear chunk || SFrame.
        var packets = new List<byte[]>();
        RtpPacketSink capture = (buffer, length) => { packets.Add(buffer[..length].ToArray()); return true; };
        byte[] keyframe = Keyframe(320, 180, 2500);
        Assert.Equal(VideoSendStatus.Sent, sender.Send(keyframe, 1000, capture));
        Assert.Equal(3, packets.Count);
        RtpHeader.TryRead(packets[0], out RtpHeader first);
        Assert.Equal(ClientMediaConnection.Vp8PayloadType, first.PayloadType);
        Assert.Equal(keyframe[..10], first.Payload.Slice(Vp8PayloadDescriptor.Length, 10).ToArray());   // the chunk, in clear
        Assert.False(first.Payload[(Vp8PayloadDescriptor.Length + 10)..].ToArray().AsSpan().IndexOf(keyframe.AsSpan(10, 32)) >= 0);
        Assert.True(packets.Select(p => { RtpHeader.TryRead(p, out RtpHeader h); return h.Marker; }).SequenceEqual([false, false, true]));
        for (uint i = 1; i <= 4; i++) Assert.Equal(VideoSendStatus.Sent, sender.Send(Interframe(1500), 1000 + 3000 * i, capture));   // 2 packets each
        Assert.Equal(11, packets.Count);

        foreach (byte[] packet in packets.Take(5)) recorder.OnRtp(packet);       // the keyframe and interframe 1
        foreach (byte[] packet in packets.Skip(6)) recorder.OnRtp(packet);       // packet 5, the start of interframe 2, lost
        RecordedVideo track = Assert.Single(recorder.Tracks);
        Assert.Equal((2L, 1L, 0L), (track.FramesWritten, track.Keyframes, track.DecryptErrors));
        Assert.Equal(2, track.FramesDropped);                                     // 3 and 4, waiting for a keyframe (2's tail is ignored)
        Assert.Equal(2, asked.Count);                                             // the loss asked for one (once a second at most)

        Assert.Equal(VideoSendStatus.Sent, sender.Send(keyframe, 1000 + 3000 * 5, capture));
        foreach (byte[] packet in packets.Skip(11)) recorder.OnRtp(packet);
        Assert.Equal(3, Assert.Single(recorder.Tracks).FramesWritten);           // the keyframe starts it again

        // Hostile packets: counted or ignored, never thrown.
        byte[] tampered = [.. packets[^1]];
        tampered[^1] ^= 1;
        recorder.OnRtp(packets[^3]);
        recorder.OnRtp(packets[^2]);
        recorder.OnRtp(tampered);
        Assert.Equal(1, Assert.Single(recorder.Tracks).DecryptErrors);
        for (int cut = 0; cut < packets[0].Length; cut++) recorder.OnRtp(packets[0].AsSpan(0, cut));
    }

    [Fact]
    public void Without_a_key_no_frame_is_sent_and_a_frame_too_short_for_vp8_is_refused()
    {
        using var keys = new CallMediaKeys();
        var sender = new Vp8VideoSender(keys, "1", 1);
        int packets = 0;
        Assert.Equal(VideoSendStatus.NoKey, sender.Send(Keyframe(16, 16, 100), 0, (_, _) => ++packets > 0));
        keys.SetSendKey(SFrameKeyId.Create(1, 0).Value, RandomNumberGenerator.GetBytes(16));
        Assert.Equal(VideoSendStatus.Malformed, sender.Send([0x01], 0, (_, _) => ++packets > 0));
        Assert.Equal(0, packets);
        Assert.Equal((0L, 1L, 1L), (sender.FramesSent, sender.FramesWithoutKey, sender.FramesFailed));
    }

    /// <summary>A VP8 keyframe as RFC 6386 §9.1 lays out its first 10 bytes (P = 0, show_frame, the start code, the
    /// size), then random bytes.</summary>
    private static byte[] Keyframe(int width, int height, int length)
    {
        byte[] frame = RandomNumberGenerator.GetBytes(length);
        frame[0] = 0x10;                                                     // key frame, version 0, show_frame
        frame[1] = 0x02;
        frame[2] = 0x00;
        frame[3] = 0x9D;
        frame[4] = 0x01;
        frame[5] = 0x2A;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(8), (ushort)height);
        return frame;
    }

    private static byte[] Interframe(int length)
    {
        byte[] frame = RandomNumberGenerator.GetBytes(length);
        frame[0] = (byte)(frame[0] | 0x01);                                  // P = 1: an interframe
        return frame;
    }
}
