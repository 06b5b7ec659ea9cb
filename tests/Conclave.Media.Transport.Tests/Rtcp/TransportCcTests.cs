using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

public class TransportCcTests
{
    private static TransportCcPacket[] ExpectedPackets()
    {
        var list = new List<TransportCcPacket>();
        ushort seq = 100;
        for (int i = 1; i <= 20; i++) list.Add(new(seq++, TransportCcStatus.ReceivedSmallDelta, i));
        int[] oneBit = [0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 1];
        int[] oneBitDeltas = [0xFF, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60];
        int d = 0;
        foreach (int s in oneBit)
            list.Add(s == 1 ? new(seq++, TransportCcStatus.ReceivedSmallDelta, oneBitDeltas[d++]) : new(seq++, TransportCcStatus.NotReceived, 0));
        list.Add(new(seq++, TransportCcStatus.ReceivedLargeDelta, -4));
        list.Add(new(seq++, TransportCcStatus.ReceivedSmallDelta, 5));
        list.Add(new(seq++, TransportCcStatus.NotReceived, 0));
        list.Add(new(seq++, TransportCcStatus.ReceivedLargeDelta, 5000));
        list.Add(new(seq++, TransportCcStatus.ReceivedSmallDelta, 6));
        list.Add(new(seq++, TransportCcStatus.ReceivedSmallDelta, 7));
        list.Add(new(seq++, TransportCcStatus.NotReceived, 0));
        return list.ToArray();
    }

    [Fact]
    public void Mixed_chunks_and_large_deltas_round_trip()
    {
        Assert.Equal(RtcpParseStatus.Ok, RtcpPacket.TryRead(TwccVector, out var packet));
        Assert.Equal(RtcpPacketKind.TransportCc, packet.Kind);
        Assert.Equal(3, packet.PaddingLength);
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.TransportCc.TryRead(packet, out var fb));
        Assert.Equal(1u, fb.SenderSsrc);
        Assert.Equal(0xAABBCCDDu, fb.MediaSsrc);
        Assert.Equal(100, fb.BaseSequenceNumber);
        Assert.Equal(41, fb.PacketStatusCount);
        Assert.Equal(0x123456, fb.ReferenceTime);
        Assert.Equal(7, fb.FeedbackPacketCount);

        var expected = ExpectedPackets();
        var actual = new List<TransportCcPacket>();
        foreach (var p in fb) actual.Add(p);
        Assert.Equal(expected, actual);
        Assert.Equal(-1000, actual[34].DeltaMicroseconds);            // -4 × 250 µs

        var writer = new TransportCcWriter
        {
            SenderSsrc = 1, MediaSsrc = 0xAABBCCDD, BaseSequenceNumber = 100, ReferenceTime = 0x123456,
            FeedbackPacketCount = 7, Packets = expected,
        };
        RtcpReportTests.AssertWrites(writer, TwccVector);
    }

    [Fact]
    public void Long_loss_run_and_negative_reference_time()
    {
        // 9000 lost packets need two run-length chunks (13-bit run length ≤ 8191), then one large delta.
        var packets = new TransportCcPacket[9001];
        for (int i = 0; i < 9000; i++) packets[i] = new((ushort)(65000 + i), TransportCcStatus.NotReceived, 0);
        packets[9000] = new(unchecked((ushort)(65000 + 9000)), TransportCcStatus.ReceivedLargeDelta, short.MinValue);
        var writer = new TransportCcWriter { BaseSequenceNumber = 65000, ReferenceTime = -1, FeedbackPacketCount = 255, Packets = packets };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out int written));
        // header 4 + 16, chunks: run 8191, run 809, run 1 (large) → 6, delta 2 → 28
        Assert.Equal(28, written);
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.TransportCc.TryRead(buffer, out var fb));
        Assert.Equal(-1, fb.ReferenceTime);
        int index = 0;
        foreach (var p in fb) Assert.Equal(packets[index++], p);
        Assert.Equal(9001, index);
    }

    [Fact]
    public void Random_feedback_round_trips_through_writer_and_reader()
    {
        var random = new Random(3550);
        var output = new byte[70_000];
        for (int round = 0; round < 500; round++)
        {
            int count = random.Next(1, 300);
            ushort baseSeq = (ushort)random.Next(65536);
            var packets = new TransportCcPacket[count];
            for (int i = 0; i < count; i++)
            {
                // Bursty statuses so both run-length and vector chunks appear.
                var status = (TransportCcStatus)(random.Next(10) < 7 && i > 0 ? (int)packets[i - 1].Status : random.Next(3));
                int delta = status switch
                {
                    TransportCcStatus.ReceivedSmallDelta => random.Next(256),
                    TransportCcStatus.ReceivedLargeDelta => random.Next(short.MinValue, short.MaxValue + 1),
                    _ => 0,
                };
                packets[i] = new((ushort)(baseSeq + i), status, delta);
            }
            var writer = new TransportCcWriter { BaseSequenceNumber = baseSeq, ReferenceTime = random.Next(-0x800000, 0x800000), Packets = packets };
            Assert.True(writer.TryWrite(output, out int written));
            Assert.Equal(writer.GetWrittenLength(), written);
            Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(output.AsSpan(0, written)));
            Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.TransportCc.TryRead(output.AsSpan(0, written), out var fb));
            Assert.Equal(writer.ReferenceTime, fb.ReferenceTime);
            int index = 0;
            foreach (var p in fb) Assert.Equal(packets[index++], p);
            Assert.Equal(count, index);
        }
    }

    public static TheoryData<string, int, TransportCcStatus, int> InvalidPackets => new()
    {
        { "small delta above 255",    0, TransportCcStatus.ReceivedSmallDelta, 256 },
        { "small delta negative",     0, TransportCcStatus.ReceivedSmallDelta, -1 },
        { "large delta overflow",     0, TransportCcStatus.ReceivedLargeDelta, 40_000 },
        { "sequence gap",             1, TransportCcStatus.NotReceived,        0 },
        { "reserved status",          0, (TransportCcStatus)3,                 0 },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Writer_rejects_invalid_packets(string name, int sequenceOffset, TransportCcStatus status, int delta)
    {
        Assert.NotNull(name);
        TransportCcPacket[] packets = [new((ushort)(10 + sequenceOffset), status, delta)];
        Assert.False(new TransportCcWriter { BaseSequenceNumber = 10, Packets = packets }.TryWrite(new byte[64], out _));
        Assert.False(new TransportCcWriter { BaseSequenceNumber = 10 }.TryWrite(new byte[64], out _));
    }
}
