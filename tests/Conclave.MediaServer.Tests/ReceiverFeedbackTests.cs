using Conclave.Client.Media;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The RTCP a listening .NET client sends the SFU (issue 7): a receiver report with a block per stream received
/// (RFC 3550 §6.4.2, loss counted from sequence numbers) and a REMB (draft-alvestrand-rmcat-remb-03) naming the same
/// streams, so the SFU's estimate of the bot's link can grow past its start.
/// </summary>
public sealed class ReceiverFeedbackTests
{
    [Fact]
    public void A_report_names_each_stream_with_its_loss_and_a_remb_follows()
    {
        var feedback = new ReceiverFeedback(senderSsrc: 0xB07);
        byte[] buffer = new byte[1200];
        Assert.False(feedback.TryWrite(buffer, out _));                      // nothing received yet: nothing to say

        feedback.SetStreams([(0xA1, 48_000), (0xF1, 90_000)]);
        for (ushort sequence = 100; sequence < 110; sequence++)
        {
            if (sequence != 105) feedback.OnRtp(Packet(0xA1, sequence));   // one audio packet lost
            feedback.OnRtp(Packet(0xF1, sequence));
        }
        feedback.OnRtp(Packet(0xCC, 1));                                     // a stream not received: ignored
        feedback.OnRtp([0x80, 0x60]);                                        // not RTP: ignored

        Assert.True(feedback.TryWrite(buffer, out int length));
        var reader = new RtcpCompoundReader(buffer.AsSpan(0, length));
        Assert.True(reader.TryReadNext(out RtcpPacket first));
        Assert.Equal(RtcpParseStatus.Ok, ReceiverReport.TryRead(first, out ReceiverReport report));
        Assert.Equal((0xB07u, 2), (report.Ssrc, report.ReportCount));
        var blocks = new Dictionary<uint, ReportBlock>();
        for (int i = 0; i < report.ReportCount; i++) blocks.Add(report.GetReportBlock(i).Ssrc, report.GetReportBlock(i));
        Assert.Equal((1, 109u), (blocks[0xA1].CumulativeLost, blocks[0xA1].ExtendedHighestSequenceNumber));
        Assert.Equal(256 / 10, blocks[0xA1].FractionLost);                  // 1 of 10, in 1/256
        Assert.Equal((0, (byte)0), (blocks[0xF1].CumulativeLost, blocks[0xF1].FractionLost));
        Assert.True(reader.TryReadNext(out RtcpPacket second));
        Assert.Equal(RtcpParseStatus.Ok, ReceiverEstimatedMaxBitrate.TryRead(second, out ReceiverEstimatedMaxBitrate remb));
        Assert.Equal(ReceiverFeedback.MaxBitrate, remb.Bitrate);
        var named = new List<uint>();
        for (int i = 0; i < remb.SsrcCount; i++) named.Add(remb.GetSsrc(i));
        Assert.Equal([0xA1u, 0xF1u], named.Order());
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(RtcpParseStatus.Ok, reader.Status);

        // The next interval starts afresh (App. A.3); a stream gone from the answer is no longer reported.
        feedback.SetStreams([(0xF1, 90_000)]);
        feedback.OnRtp(Packet(0xF1, 110));
        Assert.True(feedback.TryWrite(buffer, out length));
        Assert.Equal(RtcpParseStatus.Ok, ReceiverReport.TryRead(buffer.AsSpan(0, length), out report));
        Assert.Equal(1, report.ReportCount);
        Assert.Equal((0xF1u, 110u), (report.GetReportBlock(0).Ssrc, report.GetReportBlock(0).ExtendedHighestSequenceNumber));
    }

    private static byte[] Packet(uint ssrc, ushort sequence)
    {
        byte[] packet = new byte[RtpHeader.FixedLength + 4];
        new RtpPacketWriter { PayloadType = 96, SequenceNumber = sequence, Timestamp = sequence * 3000u, Ssrc = ssrc, Payload = [1, 2, 3, 4] }
            .TryWrite(packet, out _);
        return packet;
    }
}
