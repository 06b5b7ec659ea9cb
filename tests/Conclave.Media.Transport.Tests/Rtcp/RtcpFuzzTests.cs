using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

/// <summary>pion-style fuzzing of the compound reader and every typed view, plus the zero-allocation guard.</summary>
public class RtcpFuzzTests
{
    private const int Iterations = 1_000_000;

    // Walks the compound and touches every field and element of every typed view.
    private static long Exercise(ReadOnlySpan<byte> buffer)
    {
        long sum = 0;
        var reader = new RtcpCompoundReader(buffer);
        Span<ushort> lost = stackalloc ushort[17];
        while (reader.TryReadNext(out var packet))
        {
            sum += packet.Length + packet.Body.Length;
            switch (packet.Kind)
            {
                case RtcpPacketKind.SenderReport:
                    if (SenderReport.TryRead(packet, out var sr) == RtcpParseStatus.Ok)
                    {
                        sum += (long)sr.NtpTimestamp + sr.OctetCount + sr.ProfileExtensions.Length;
                        for (int i = 0; i < sr.ReportCount; i++) sum += sr.GetReportBlock(i).CumulativeLost;
                    }
                    break;
                case RtcpPacketKind.ReceiverReport:
                    if (ReceiverReport.TryRead(packet, out var rr) == RtcpParseStatus.Ok)
                        for (int i = 0; i < rr.ReportCount; i++) sum += rr.GetReportBlock(i).Jitter;
                    break;
                case RtcpPacketKind.SourceDescription:
                    if (SdesPacket.TryRead(packet, out var sdes) == RtcpParseStatus.Ok)
                        foreach (var chunk in sdes.GetChunks())
                            foreach (var item in chunk.GetItems()) sum += (int)item.Type + item.Value.Length;
                    break;
                case RtcpPacketKind.Goodbye:
                    if (ByePacket.TryRead(packet, out var bye) == RtcpParseStatus.Ok)
                    {
                        for (int i = 0; i < bye.SourceCount; i++) sum += bye.GetSource(i);
                        sum += bye.Reason.Length;
                    }
                    break;
                case RtcpPacketKind.GenericNack:
                    if (GenericNack.TryRead(packet, out var nack) == RtcpParseStatus.Ok)
                        for (int i = 0; i < nack.PairCount; i++) sum += nack.GetPair(i).CopyLostTo(lost);
                    break;
                case RtcpPacketKind.TransportCc:
                    if (TransportCc.TryRead(packet, out var twcc) == RtcpParseStatus.Ok)
                        foreach (var p in twcc) sum += p.SequenceNumber + p.Delta;
                    break;
                case RtcpPacketKind.PictureLossIndication:
                    if (PictureLossIndication.TryRead(packet, out var pli) == RtcpParseStatus.Ok) sum += pli.MediaSsrc;
                    break;
                case RtcpPacketKind.FullIntraRequest:
                    if (FullIntraRequest.TryRead(packet, out var fir) == RtcpParseStatus.Ok)
                        for (int i = 0; i < fir.EntryCount; i++) sum += fir.GetEntry(i).SequenceNumber;
                    break;
                case RtcpPacketKind.ReceiverEstimatedMaxBitrate:
                    if (ReceiverEstimatedMaxBitrate.TryRead(packet, out var remb) == RtcpParseStatus.Ok)
                    {
                        sum += (long)remb.Bitrate;
                        for (int i = 0; i < remb.SsrcCount; i++) sum += remb.GetSsrc(i);
                    }
                    break;
                default:
                    sum += packet.Data[^1];
                    break;
            }
        }
        return sum + (int)reader.Status;
    }

    private static readonly byte[][] Seeds =
    [
        SrVector, RrVector, EmptyRrVector, SdesVector, SdesTwoChunksVector, ByeWithReasonVector, ByeTwoSourcesVector,
        NackVector, PliVector, FirVector, RembVector, TwccVector,
        [.. SrVector, .. SdesVector, .. RembVector, .. NackVector],
    ];

    [Fact]
    public void Random_and_mutated_compounds_never_throw()
    {
        var random = new Random(0x0C0C);
        byte[] buffer = new byte[512];
        byte[] types = [200, 201, 202, 203, 204, 205, 206];
        long total = 0;
        for (int i = 0; i < Iterations; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                length = random.Next(0, 160);
                random.NextBytes(buffer.AsSpan(0, length));
                if (length >= 4 && (i & 2) == 0)
                {
                    // Plausible header so the typed readers see random bodies.
                    buffer[0] = (byte)(0x80 | (buffer[0] & 0x1F));
                    buffer[1] = types[random.Next(types.Length)];
                    buffer[2] = 0;
                    buffer[3] = (byte)random.Next(0, length / 4);
                }
            }
            else
            {
                byte[] seed = Seeds[random.Next(Seeds.Length)];
                seed.CopyTo(buffer, 0);
                length = seed.Length;
                int flips = random.Next(1, 5);
                for (int f = 0; f < flips; f++) buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(4) == 0) length = random.Next(length + 1);
            }
            total += Exercise(buffer.AsSpan(0, length));
            RtcpCompoundReader.Validate(buffer.AsSpan(0, length));
        }
        Assert.NotEqual(0, total);
    }

    [Fact]
    public void Reading_and_writing_compound_rtcp_does_not_allocate()
    {
        byte[] compound = [.. RrVector, .. SdesTwoChunksVector, .. NackVector, .. PliVector, .. FirVector, .. RembVector, .. ByeTwoSourcesVector, .. TwccVector];
        byte[] output = new byte[1500];
        long sum = 0;
        for (int i = 0; i < 1000; i++) sum += Once(compound, output);   // warm-up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) sum += Once(compound, output);
        long delta = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, delta);
        Assert.NotEqual(0, sum);
    }

    private static long Once(ReadOnlySpan<byte> compound, Span<byte> output)
        => Exercise(compound) + WriteFeedback(output) + (int)RtcpCompoundReader.Validate(compound);

    private static int WriteFeedback(Span<byte> output)
    {
        Span<ReportBlock> blocks = stackalloc ReportBlock[1];
        blocks[0] = new ReportBlock { Ssrc = 1, FractionLost = 2, CumulativeLost = 3 };
        // Element stores, not a stackalloc initializer: the Debug build of the initializer form allocates.
        Span<ushort> lost = stackalloc ushort[4];
        lost[0] = 10; lost[1] = 11; lost[2] = 13; lost[3] = 40;
        Span<TransportCcPacket> packets = stackalloc TransportCcPacket[20];
        for (int i = 0; i < packets.Length; i++)
            packets[i] = new TransportCcPacket((ushort)(500 + i), (TransportCcStatus)(i % 3), i % 3 == 2 ? -i : i);
        Span<uint> ssrcs = stackalloc uint[1];
        ssrcs[0] = 7;
        var writer = new RtcpCompoundWriter(output);
        writer.TryAppend(new ReceiverReportWriter { Ssrc = 9, ReportBlocks = blocks });
        writer.TryAppend(new GenericNackWriter { SenderSsrc = 9, MediaSsrc = 7, LostSequenceNumbers = lost });
        writer.TryAppend(new PictureLossIndicationWriter { SenderSsrc = 9, MediaSsrc = 7 });
        writer.TryAppend(new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = 9, Bitrate = 2_500_000, Ssrcs = ssrcs });
        writer.TryAppend(new TransportCcWriter { SenderSsrc = 9, MediaSsrc = 7, BaseSequenceNumber = 500, Packets = packets });
        return writer.WrittenLength;
    }
}
