using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

public class RtcpCompoundTests
{
    private static byte[] Concat(params byte[][] parts)
    {
        var result = new List<byte>();
        foreach (var p in parts) result.AddRange(p);
        return result.ToArray();
    }

    [Fact]
    public void Sender_report_plus_sdes_rfc3550_6_1()
    {
        byte[] compound = Concat(SrVector, SdesVector);
        Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(compound));
        var reader = new RtcpCompoundReader(compound);
        Assert.True(reader.TryReadNext(out var first));
        Assert.Equal(RtcpPacketKind.SenderReport, first.Kind);
        Assert.Equal(RtcpParseStatus.Ok, Conclave.Media.Transport.Rtcp.SenderReport.TryRead(first, out var sr));
        Assert.Equal(0x12345678u, sr.Ssrc);
        Assert.True(reader.TryReadNext(out var second));
        Assert.Equal(RtcpPacketKind.SourceDescription, second.Kind);
        Assert.Equal(RtcpParseStatus.Ok, SdesPacket.TryRead(second, out var sdes));
        Assert.Equal(1, sdes.ChunkCount);
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(RtcpParseStatus.Ok, reader.Status);
        Assert.Equal(compound.Length, reader.Offset);

        // Write the same compound back with the writers.
        Span<ReportBlock> blocks = [sr.GetReportBlock(0)];
        var srWriter = new SenderReportWriter
        {
            Ssrc = sr.Ssrc, NtpTimestamp = sr.NtpTimestamp, RtpTimestamp = sr.RtpTimestamp,
            PacketCount = sr.PacketCount, OctetCount = sr.OctetCount, ReportBlocks = blocks,
        };
        SdesChunkContent[] chunks = [new(0x12345678, new SdesItemContent[] { new(SdesItemType.CName, "ABCDEFGHIJKLMNOP"u8.ToArray()) })];
        var output = new byte[256];
        var writer = new RtcpCompoundWriter(output);
        Assert.True(writer.TryAppend(srWriter));
        Assert.True(writer.TryAppend(new SdesWriter { Chunks = chunks }));
        Assert.Equal(Convert.ToHexString(compound), Convert.ToHexString(writer.Written));
    }

    [Fact]
    public void Receiver_report_plus_remb()
    {
        byte[] compound = Concat(EmptyRrVector, RembVector);
        Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(compound));
        var reader = new RtcpCompoundReader(compound);
        Assert.True(reader.TryReadNext(out var rr));
        Assert.Equal(RtcpPacketKind.ReceiverReport, rr.Kind);
        Assert.True(reader.TryReadNext(out var remb));
        Assert.Equal(RtcpPacketKind.ReceiverEstimatedMaxBitrate, remb.Kind);
        Assert.Equal(RtcpParseStatus.Ok, ReceiverEstimatedMaxBitrate.TryRead(remb, out var view));
        Assert.Equal(1_000_000UL, view.Bitrate);
        Assert.False(reader.TryReadNext(out _));

        uint[] ssrcs = [0x12345678];
        var output = new byte[128];
        var writer = new RtcpCompoundWriter(output);
        Assert.True(writer.TryAppend(new ReceiverReportWriter { Ssrc = 0x9ABCDEF0 }));
        Assert.True(writer.TryAppend(new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = 1, Bitrate = 1_000_000, Ssrcs = ssrcs }));
        Assert.Equal(Convert.ToHexString(compound), Convert.ToHexString(writer.Written));
        Assert.False(new RtcpCompoundWriter(new byte[8]).TryAppend(new PictureLossIndicationWriter()));
    }

    [Fact]
    public void Every_type_in_one_compound_with_padded_tail()
    {
        byte[] compound = Concat(RrVector, SdesTwoChunksVector, NackVector, PliVector, FirVector, RembVector, ByeTwoSourcesVector, TwccVector);
        Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(compound));
        RtcpPacketKind[] expected =
        [
            RtcpPacketKind.ReceiverReport, RtcpPacketKind.SourceDescription, RtcpPacketKind.GenericNack,
            RtcpPacketKind.PictureLossIndication, RtcpPacketKind.FullIntraRequest,
            RtcpPacketKind.ReceiverEstimatedMaxBitrate, RtcpPacketKind.Goodbye, RtcpPacketKind.TransportCc,
        ];
        var reader = new RtcpCompoundReader(compound);
        int i = 0;
        while (reader.TryReadNext(out var packet)) Assert.Equal(expected[i++], packet.Kind);
        Assert.Equal(expected.Length, i);
        Assert.Equal(RtcpParseStatus.Ok, reader.Status);
    }

    [Fact]
    public void Unknown_types_surface_as_raw_packets()
    {
        // RFC 3550 §6.7 APP (PT=204) and RTPFB FMT 3 (TMMBR) are not parsed: Kind is Raw, bytes intact.
        byte[] app = Hex("80CC0002 12345678 54455354");
        byte[] tmmbr = Hex("83CD0004 00000001 00000000 12345678 04000000");
        byte[] compound = Concat(app, tmmbr);
        var reader = new RtcpCompoundReader(compound);
        Assert.True(reader.TryReadNext(out var a));
        Assert.Equal(RtcpPacketKind.Raw, a.Kind);
        Assert.Equal(204, a.PacketType);
        Assert.True(a.Data.SequenceEqual(app));
        Assert.True(reader.TryReadNext(out var t));
        Assert.Equal(RtcpPacketKind.Raw, t.Kind);
        Assert.Equal(3, t.Count);
        Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(compound));
    }

    [Fact]
    public void Padding_before_the_last_packet_is_allowed_only_in_lenient_mode()
    {
        byte[] compound = Concat(TwccVector, EmptyRrVector);
        Assert.Equal(RtcpParseStatus.BadPadding, RtcpCompoundReader.Validate(compound));
        Assert.Equal(RtcpParseStatus.Ok, RtcpCompoundReader.Validate(compound, allowPaddingOnAnyPacket: true));
    }

    public static TheoryData<string, string, RtcpParseStatus> Malformed => new()
    {
        { "empty datagram",                          "",                                                        RtcpParseStatus.TooShort },
        { "shorter than common header",              "80C900",                                                  RtcpParseStatus.TooShort },
        { "length beyond buffer",                    "80C90005 9ABCDEF0",                                       RtcpParseStatus.TooShort },
        { "trailing partial header",                 "80C90001 9ABCDEF0 80",                                    RtcpParseStatus.TooShort },
        { "version 1",                               "40C90001 9ABCDEF0",                                       RtcpParseStatus.BadVersion },
        { "version 2 then version 3",                "80C90001 9ABCDEF0 C0C90001 9ABCDEF0",                     RtcpParseStatus.BadVersion },
        { "padding count zero",                      "A0C90002 9ABCDEF0 00000000",                              RtcpParseStatus.BadPadding },
        { "padding larger than packet",              "A0C90001 9ABCDEFF",                                       RtcpParseStatus.BadPadding },
        { "padding on first of two packets",         "A0C90002 9ABCDEF0 00000004 80C90001 9ABCDEF0",            RtcpParseStatus.BadPadding },
        { "report count exceeds length",             "81C90001 9ABCDEF0",                                       RtcpParseStatus.Malformed },
        { "sender report without sender info",       "80C80001 12345678",                                       RtcpParseStatus.Malformed },
        { "zero-length SDES chunk without terminator", "81CA0001 12345678",                                     RtcpParseStatus.Malformed },
        { "SDES item runs past packet",              "81CA0002 12345678 01056162",                              RtcpParseStatus.Malformed },
        { "SDES source count exceeds chunks",        "82CA0002 12345678 01016100",                              RtcpParseStatus.Malformed },
        { "SDES non-zero byte in chunk padding",     "81CA0003 12345678 01036162 63000100",                     RtcpParseStatus.Malformed },
        { "SDES bytes after last chunk",             "81CA0003 12345678 00000000 00000000",                     RtcpParseStatus.Malformed },
        { "BYE source count exceeds length",         "82CB0001 12345678",                                       RtcpParseStatus.Malformed },
        { "BYE reason longer than packet",           "81CB0002 12345678 05627965",                              RtcpParseStatus.Malformed },
        { "NACK without FCI",                        "81CD0002 00000001 12345678",                              RtcpParseStatus.Malformed },
        { "PLI with FCI",                            "81CE0003 00000001 12345678 00000000",                     RtcpParseStatus.Malformed },
        { "FIR without entry",                       "84CE0002 00000001 00000000",                              RtcpParseStatus.Malformed },
        { "FIR half entry",                          "84CE0003 00000001 00000000 12345678",                     RtcpParseStatus.Malformed },
        { "REMB SSRC count mismatch",                "8FCE0005 00000001 00000000 52454D42 020BD090 12345678",   RtcpParseStatus.Malformed },
        { "REMB bitrate overflows 64 bits",          "8FCE0004 00000001 00000000 52454D42 00FFFFFF",            RtcpParseStatus.Malformed },
        { "TWCC header cut short",                   "8FCD0003 00000001 AABBCCDD 00640001",                     RtcpParseStatus.Malformed },
        { "TWCC zero status count",                  "8FCD0004 00000001 AABBCCDD 00640000 00000001",            RtcpParseStatus.Malformed },
        { "TWCC reserved symbol",                    "8FCD0005 00000001 AABBCCDD 00640001 00000001 60010000",   RtcpParseStatus.Malformed },
        { "TWCC chunks missing",                     "8FCD0004 00000001 AABBCCDD 00640005 00000001",            RtcpParseStatus.Malformed },
        { "TWCC deltas beyond packet",               "8FCD0005 00000001 AABBCCDD 00640005 00000001 20050102",   RtcpParseStatus.Malformed },
        { "TWCC trailing garbage",                   "8FCD0006 00000001 AABBCCDD 00640001 00000001 20010500 00000000", RtcpParseStatus.Malformed },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_compounds_return_status(string name, string hex, RtcpParseStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, RtcpCompoundReader.Validate(Hex(hex)));
    }
}
