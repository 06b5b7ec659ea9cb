using Conclave.Media.Transport.Rtcp;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>Builds the RTCP a subscriber would send, with the transport's writers.</summary>
internal static class RtcpFeedback
{
    /// <summary>A transport-cc feedback for <paramref name="received"/> packets received, then <paramref name="lost"/> not.</summary>
    public static byte[] TransportCc(ushort baseSequence, int received, int lost)
    {
        var packets = new TransportCcPacket[received + lost];
        for (int i = 0; i < packets.Length; i++)
            packets[i] = i < received
                ? new((ushort)(baseSequence + i), TransportCcStatus.ReceivedSmallDelta, 4)
                : new((ushort)(baseSequence + i), TransportCcStatus.NotReceived, 0);
        var writer = new TransportCcWriter { SenderSsrc = 1, MediaSsrc = 2, BaseSequenceNumber = baseSequence, Packets = packets };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        return buffer;
    }

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
