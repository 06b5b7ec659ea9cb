using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

public class RtcpReportTests
{
    [Fact]
    public void Sender_report_rfc3550_6_4_1_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.SenderReport.TryRead(SrVector, out var sr));
        Assert.Equal(0x12345678u, sr.Ssrc);
        Assert.Equal(0xE54E2A3B_80000000UL, sr.NtpTimestamp);
        Assert.Equal(123456u, sr.RtpTimestamp);
        Assert.Equal(100u, sr.PacketCount);
        Assert.Equal(16000u, sr.OctetCount);
        Assert.Equal(1, sr.ReportCount);
        var block = sr.GetReportBlock(0);
        Assert.Equal(0xABCDEF01u, block.Ssrc);
        Assert.Equal(25, block.FractionLost);
        Assert.Equal(-2, block.CumulativeLost);
        Assert.Equal(0x1002Au, block.ExtendedHighestSequenceNumber);
        Assert.Equal(16u, block.Jitter);
        Assert.Equal(0x2A3B8000u, block.LastSenderReport);
        Assert.Equal(0x10000u, block.DelaySinceLastSenderReport);
        Assert.True(sr.ProfileExtensions.IsEmpty);

        Span<ReportBlock> blocks = [block];
        var writer = new SenderReportWriter
        {
            Ssrc = sr.Ssrc, NtpTimestamp = sr.NtpTimestamp, RtpTimestamp = sr.RtpTimestamp,
            PacketCount = sr.PacketCount, OctetCount = sr.OctetCount, ReportBlocks = blocks,
        };
        AssertWrites(writer, SrVector);
    }

    [Fact]
    public void Receiver_report_rfc3550_6_4_2_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.ReceiverReport.TryRead(RrVector, out var rr));
        Assert.Equal(0x9ABCDEF0u, rr.Ssrc);
        Assert.Equal(1, rr.ReportCount);
        var block = rr.GetReportBlock(0);
        Assert.Equal(0x12345678u, block.Ssrc);
        Assert.Equal(65535u, block.ExtendedHighestSequenceNumber);
        Span<ReportBlock> blocks = [block];
        AssertWrites(new ReceiverReportWriter { Ssrc = rr.Ssrc, ReportBlocks = blocks }, RrVector);

        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.ReceiverReport.TryRead(EmptyRrVector, out var empty));
        Assert.Equal(0, empty.ReportCount);
        AssertWrites(new ReceiverReportWriter { Ssrc = empty.Ssrc }, EmptyRrVector);
    }

    [Fact]
    public void Profile_extensions_are_kept()
    {
        byte[] ext = Hex("DEADBEEF");
        var writer = new ReceiverReportWriter { Ssrc = 1, ProfileExtensions = ext };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.ReceiverReport.TryRead(buffer, out var rr));
        Assert.True(rr.ProfileExtensions.SequenceEqual(ext));
        writer.ProfileExtensions = Hex("DEAD");
        Assert.False(writer.TryWrite(new byte[64], out _));               // not a multiple of 4
    }

    public static TheoryData<string, int, int> CumulativeLoss => new()
    {
        // RFC 3550 App. A.3: the 24-bit signed field saturates.
        { "zero",              0,           0 },
        { "negative",         -5,          -5 },
        { "max",         0x7FFFFF,    0x7FFFFF },
        { "clamped high", 10_000_000,  0x7FFFFF },
        { "clamped low", -10_000_000, -0x800000 },
    };

    [Theory]
    [MemberData(nameof(CumulativeLoss))]
    public void Cumulative_loss_is_24_bit_signed(string name, int written, int read)
    {
        Assert.NotNull(name);
        var block = new ReportBlock { Ssrc = 1, CumulativeLost = written };
        Span<byte> bytes = stackalloc byte[ReportBlock.Length];
        block.Write(bytes);
        Assert.Equal(read, ReportBlock.Read(bytes).CumulativeLost);
    }

    [Fact]
    public void Writers_reject_too_many_blocks_and_small_buffers()
    {
        var blocks = new ReportBlock[32];
        Assert.False(new ReceiverReportWriter { ReportBlocks = blocks }.TryWrite(new byte[2048], out _));
        Assert.False(new SenderReportWriter { ReportBlocks = blocks }.TryWrite(new byte[2048], out _));
        Assert.False(new SenderReportWriter().TryWrite(new byte[27], out _));
    }

    internal static void AssertWrites<T>(T writer, byte[] expected) where T : IRtcpPacketWriter, allows ref struct
    {
        Assert.Equal(expected.Length, writer.GetWrittenLength());
        var output = new byte[expected.Length];
        Assert.True(writer.TryWrite(output, out int written));
        Assert.Equal(expected.Length, written);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output));
        Assert.False(writer.TryWrite(new byte[expected.Length - 1], out _));
    }
}
