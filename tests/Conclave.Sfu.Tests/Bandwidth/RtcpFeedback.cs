using Conclave.Media.Transport.Rtcp;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>Builds the RTCP a subscriber would send, with the transport's writers.</summary>
internal static class RtcpFeedback
{
    /// <summary>An RR with one block per (SSRC, extended highest sequence number, fraction lost in 1/256).</summary>
    public static byte[] ReceiverReport(params (uint Ssrc, uint Highest, byte FractionLost)[] blocks)
    {
        var writer = new ReceiverReportWriter { Ssrc = 1, ReportBlocks = Blocks(blocks) };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        return buffer;
    }

    /// <summary>An SR carrying the same blocks.</summary>
    public static byte[] SenderReport(params (uint Ssrc, uint Highest, byte FractionLost)[] blocks)
    {
        var writer = new SenderReportWriter { Ssrc = 1, ReportBlocks = Blocks(blocks) };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        return buffer;
    }

    private static ReportBlock[] Blocks((uint Ssrc, uint Highest, byte FractionLost)[] blocks)
    {
        var result = new ReportBlock[blocks.Length];
        for (int i = 0; i < blocks.Length; i++)
            result[i] = new ReportBlock { Ssrc = blocks[i].Ssrc, ExtendedHighestSequenceNumber = blocks[i].Highest, FractionLost = blocks[i].FractionLost };
        return result;
    }
}
