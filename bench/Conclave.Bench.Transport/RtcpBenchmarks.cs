using System.Text;
using BenchmarkDotNet.Attributes;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Bench.Transport;

/// <summary>
/// RTCP as an SFU reads and writes it. Parse: a compound SR (one report block) + SDES (CNAME) as a sender emits
/// every second (RFC 3550 §6.1), and a feedback compound RR + Generic NACK (RFC 4585 §6.2.1) + PLI (§6.3.1) +
/// REMB + transport-cc with 40 packets, each walked with <see cref="RtcpCompoundReader"/> into its typed view,
/// every field and element read. Write: the SR, a NACK of 20 lost packets and a transport-cc of 40 packets,
/// each with its writer.
/// </summary>
[MemoryDiagnoser]
public class RtcpBenchmarks
{
    private static readonly ReportBlock[] Blocks =
    [
        new() { Ssrc = 0x1111_1111, FractionLost = 3, CumulativeLost = 17, ExtendedHighestSequenceNumber = 70_000, Jitter = 120, LastSenderReport = 0xABCD_0000, DelaySinceLastSenderReport = 0x8000 },
    ];

    private static readonly SdesItemContent[] CnameItems = [new(SdesItemType.CName, Encoding.ASCII.GetBytes("4TOKAXrTXvMbIP5m"))];

    private readonly byte[] _senderReportCompound = new byte[256];
    private readonly byte[] _feedbackCompound = new byte[512];
    private readonly byte[] _output = new byte[512];
    private readonly ushort[] _lost = new ushort[20];
    private readonly ushort[] _lostScratch = new ushort[17];
    private readonly uint[] _rembSsrcs = [0x2222_2222];
    private readonly TransportCcPacket[] _transportCc = new TransportCcPacket[40];
    private int _senderReportLength;
    private int _feedbackLength;

    [GlobalSetup]
    public void Setup()
    {
        // Lost: a burst of 12 and 8 scattered, so the NACK needs several PID/BLP pairs.
        for (int i = 0; i < 12; i++) _lost[i] = (ushort)(1000 + i);
        for (int i = 12; i < _lost.Length; i++) _lost[i] = (ushort)(1000 + 7 * i);
        var random = new Random(1);
        for (int i = 0; i < _transportCc.Length; i++)
        {
            TransportCcStatus status = i % 10 == 9 ? TransportCcStatus.NotReceived : i % 10 == 4 ? TransportCcStatus.ReceivedLargeDelta : TransportCcStatus.ReceivedSmallDelta;
            int delta = status switch { TransportCcStatus.ReceivedSmallDelta => random.Next(0, 256), TransportCcStatus.ReceivedLargeDelta => random.Next(-2000, 2000), _ => 0 };
            _transportCc[i] = new TransportCcPacket((ushort)(500 + i), status, delta);
        }

        var compound = new RtcpCompoundWriter(_senderReportCompound);
        if (!compound.TryAppend(BuildSenderReport()) || !compound.TryAppend(new SdesWriter { Chunks = [new SdesChunkContent(0x1234_5678, CnameItems)] }))
            throw new InvalidOperationException("SR + SDES");
        _senderReportLength = compound.WrittenLength;

        var feedback = new RtcpCompoundWriter(_feedbackCompound);
        if (!feedback.TryAppend(new ReceiverReportWriter { Ssrc = 0x1234_5678, ReportBlocks = Blocks })
            || !feedback.TryAppend(BuildNack())
            || !feedback.TryAppend(new PictureLossIndicationWriter { SenderSsrc = 0x1234_5678, MediaSsrc = 0x2222_2222 })
            || !feedback.TryAppend(new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = 0x1234_5678, Bitrate = 2_500_000, Ssrcs = _rembSsrcs })
            || !feedback.TryAppend(BuildTransportCc()))
            throw new InvalidOperationException("feedback");
        _feedbackLength = feedback.WrittenLength;
    }

    private static SenderReportWriter BuildSenderReport() => new()
    {
        Ssrc = 0x1234_5678,
        NtpTimestamp = 0xE8F0_1234_5678_9ABC,
        RtpTimestamp = 90_000,
        PacketCount = 1000,
        OctetCount = 1_200_000,
        ReportBlocks = Blocks,
    };

    private GenericNackWriter BuildNack() => new() { SenderSsrc = 0x1234_5678, MediaSsrc = 0x2222_2222, LostSequenceNumbers = _lost };

    private TransportCcWriter BuildTransportCc() => new()
    {
        SenderSsrc = 0x1234_5678,
        MediaSsrc = 0x2222_2222,
        BaseSequenceNumber = 500,
        ReferenceTime = 123_456,
        FeedbackPacketCount = 7,
        Packets = _transportCc,
    };

    [Benchmark(Description = "RTCP parse SR + SDES compound")]
    public long ParseSenderReportCompound()
    {
        long sum = 0;
        var reader = new RtcpCompoundReader(_senderReportCompound.AsSpan(0, _senderReportLength));
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            switch (packet.Kind)
            {
                case RtcpPacketKind.SenderReport:
                    if (SenderReport.TryRead(packet, out SenderReport sr) != RtcpParseStatus.Ok) throw new InvalidOperationException("SR");
                    sum += (long)sr.NtpTimestamp + sr.RtpTimestamp + sr.PacketCount + sr.OctetCount;
                    for (int i = 0; i < sr.ReportCount; i++) sum += sr.GetReportBlock(i).CumulativeLost;
                    break;
                case RtcpPacketKind.SourceDescription:
                    if (SdesPacket.TryRead(packet, out SdesPacket sdes) != RtcpParseStatus.Ok) throw new InvalidOperationException("SDES");
                    foreach (SdesChunk chunk in sdes.GetChunks())
                        if (chunk.TryFindItem(SdesItemType.CName, out ReadOnlySpan<byte> cname)) sum += chunk.Source + cname.Length;
                    break;
            }
        }
        return sum;
    }

    [Benchmark(Description = "RTCP parse RR + NACK + PLI + REMB + TWCC(40)")]
    public long ParseFeedbackCompound()
    {
        long sum = 0;
        var reader = new RtcpCompoundReader(_feedbackCompound.AsSpan(0, _feedbackLength));
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            switch (packet.Kind)
            {
                case RtcpPacketKind.ReceiverReport:
                    if (ReceiverReport.TryRead(packet, out ReceiverReport rr) != RtcpParseStatus.Ok) throw new InvalidOperationException("RR");
                    for (int i = 0; i < rr.ReportCount; i++) sum += rr.GetReportBlock(i).Jitter;
                    break;
                case RtcpPacketKind.GenericNack:
                    if (GenericNack.TryRead(packet, out GenericNack nack) != RtcpParseStatus.Ok) throw new InvalidOperationException("NACK");
                    for (int i = 0; i < nack.PairCount; i++) sum += nack.GetPair(i).CopyLostTo(_lostScratch);
                    break;
                case RtcpPacketKind.PictureLossIndication:
                    if (PictureLossIndication.TryRead(packet, out PictureLossIndication pli) != RtcpParseStatus.Ok) throw new InvalidOperationException("PLI");
                    sum += pli.MediaSsrc;
                    break;
                case RtcpPacketKind.ReceiverEstimatedMaxBitrate:
                    if (ReceiverEstimatedMaxBitrate.TryRead(packet, out ReceiverEstimatedMaxBitrate remb) != RtcpParseStatus.Ok) throw new InvalidOperationException("REMB");
                    sum += (long)remb.Bitrate + remb.GetSsrc(0);
                    break;
                case RtcpPacketKind.TransportCc:
                    if (TransportCc.TryRead(packet, out TransportCc twcc) != RtcpParseStatus.Ok) throw new InvalidOperationException("TWCC");
                    foreach (TransportCcPacket p in twcc) sum += p.SequenceNumber + p.Delta;
                    break;
            }
        }
        return sum;
    }

    [Benchmark(Description = "RTCP write SR (1 report block)")]
    public int WriteSenderReport()
    {
        BuildSenderReport().TryWrite(_output, out int written);
        return written;
    }

    [Benchmark(Description = "RTCP write NACK (20 lost)")]
    public int WriteNack()
    {
        BuildNack().TryWrite(_output, out int written);
        return written;
    }

    [Benchmark(Description = "RTCP write TWCC (40 packets)")]
    public int WriteTransportCc()
    {
        BuildTransportCc().TryWrite(_output, out int written);
        return written;
    }
}
