using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

public class RtcpFeedbackTests
{
    [Fact]
    public void Generic_nack_rfc4585_6_2_1_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, GenericNack.TryRead(NackVector, out var nack));
        Assert.Equal(1u, nack.SenderSsrc);
        Assert.Equal(0x12345678u, nack.MediaSsrc);
        Assert.Equal(1, nack.PairCount);
        Assert.Equal(new NackPair(100, 5), nack.GetPair(0));
        Span<ushort> lost = stackalloc ushort[17];
        int n = nack.CopyLostTo(lost);
        Assert.Equal(3, n);
        Assert.Equal(3, nack.CountLost());
        Assert.Equal([100, 101, 103], lost[..n].ToArray());
        Assert.Equal(-1, nack.CopyLostTo(lost[..2]));

        ushort[] seqs = [100, 101, 103];
        RtcpReportTests.AssertWrites(new GenericNackWriter { SenderSsrc = 1, MediaSsrc = 0x12345678, LostSequenceNumbers = seqs }, NackVector);
    }

    public static TheoryData<string, ushort, ushort, ushort[]> BlpExpansion => new()
    {
        // RFC 4585 §6.2.1: bit i of BLP (LSB = bit 0) reports PID + i + 1.
        { "pid only",              1000, 0x0000, [1000] },
        { "bit 0",                 1000, 0x0001, [1000, 1001] },
        { "bit 15",                1000, 0x8000, [1000, 1016] },
        { "all 16",                   0, 0xFFFF, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] },
        { "alternate",               10, 0x5555, [10, 11, 13, 15, 17, 19, 21, 23, 25] },
        { "wraps past 65535",     65534, 0x0007, [65534, 65535, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(BlpExpansion))]
    public void Blp_expands_to_lost_sequence_numbers(string name, ushort pid, ushort blp, ushort[] expected)
    {
        Assert.NotNull(name);
        var pair = new NackPair(pid, blp);
        Span<ushort> lost = stackalloc ushort[17];
        int n = pair.CopyLostTo(lost);
        Assert.Equal(expected.Length, pair.LostCount);
        Assert.Equal(expected, lost[..n].ToArray());
    }

    public static TheoryData<string, ushort[], string> NackPacking => new()
    {
        // name, sorted lost list, expected FCI (PID BLP pairs)
        { "single",                  [5],                    "0005 0000" },
        { "within 16",               [5, 6, 21],             "0005 8001" },
        { "17 apart starts new pair", [5, 22],               "0005 0000 0016 0000" },
        { "duplicates skipped",      [5, 5, 6, 6],           "0005 0001" },
        { "wrap around",             [65535, 0, 2],          "FFFF 0005" },
        { "long burst",              [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18],
                                                             "0000 FFFF 0011 0001" },
    };

    [Theory]
    [MemberData(nameof(NackPacking))]
    public void Nack_writer_packs_sorted_lists(string name, ushort[] lost, string fciHex)
    {
        Assert.NotNull(name);
        var writer = new GenericNackWriter { SenderSsrc = 1, MediaSsrc = 2, LostSequenceNumbers = lost };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out int written));
        Assert.Equal(Convert.ToHexString(Hex(fciHex)), Convert.ToHexString(buffer, 12, written - 12));

        // Expanding the written packet yields the distinct input set.
        Assert.Equal(RtcpParseStatus.Ok, GenericNack.TryRead(buffer, out var nack));
        var expanded = new ushort[nack.CountLost()];
        nack.CopyLostTo(expanded);
        Assert.Equal(lost.Distinct().ToArray(), expanded);
    }

    [Fact]
    public void Nack_writer_rejects_empty_list()
        => Assert.False(new GenericNackWriter { LostSequenceNumbers = default }.TryWrite(new byte[64], out _));

    [Fact]
    public void Pli_rfc4585_6_3_1_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, PictureLossIndication.TryRead(PliVector, out var pli));
        Assert.Equal(1u, pli.SenderSsrc);
        Assert.Equal(0x12345678u, pli.MediaSsrc);
        RtcpReportTests.AssertWrites(new PictureLossIndicationWriter { SenderSsrc = 1, MediaSsrc = 0x12345678 }, PliVector);
    }

    [Fact]
    public void Fir_rfc5104_4_3_1_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, FullIntraRequest.TryRead(FirVector, out var fir));
        Assert.Equal(1u, fir.SenderSsrc);
        Assert.Equal(0u, fir.MediaSsrc);
        Assert.Equal(1, fir.EntryCount);
        Assert.Equal(new FirEntry(0x12345678, 7), fir.GetEntry(0));
        FirEntry[] entries = [new(0x12345678, 7)];
        RtcpReportTests.AssertWrites(new FullIntraRequestWriter { SenderSsrc = 1, Entries = entries }, FirVector);
        Assert.False(new FullIntraRequestWriter { SenderSsrc = 1 }.TryWrite(new byte[64], out _));
    }

    [Fact]
    public void Remb_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, RtcpPacket.TryRead(RembVector, out var packet));
        Assert.Equal(RtcpPacketKind.ReceiverEstimatedMaxBitrate, packet.Kind);
        Assert.Equal(RtcpParseStatus.Ok, ReceiverEstimatedMaxBitrate.TryRead(RembVector, out var remb));
        Assert.Equal(1u, remb.SenderSsrc);
        Assert.Equal(1_000_000UL, remb.Bitrate);
        Assert.Equal(1, remb.SsrcCount);
        Assert.Equal(0x12345678u, remb.GetSsrc(0));
        uint[] ssrcs = [0x12345678];
        RtcpReportTests.AssertWrites(new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = 1, Bitrate = 1_000_000, Ssrcs = ssrcs }, RembVector);
    }

    public static TheoryData<string, ulong, ulong> RembBitrates => new()
    {
        // name, requested bps, bps after the 18-bit mantissa / 6-bit exponent encoding
        { "zero",                    0,                      0 },
        { "fits mantissa",      262_143,                262_143 },
        { "needs exponent 1",   262_144,                262_144 },
        { "truncates low bits",   524_291,                524_288 },
        { "30 Mbps plus one", 30_000_001,             30_000_000 },
        { "ulong max",     ulong.MaxValue, 0x3FFFFUL << 46 },
    };

    [Theory]
    [MemberData(nameof(RembBitrates))]
    public void Remb_bitrate_encoding(string name, ulong bitrate, ulong expected)
    {
        Assert.NotNull(name);
        var writer = new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = 9, Bitrate = bitrate };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        Assert.Equal(RtcpParseStatus.Ok, ReceiverEstimatedMaxBitrate.TryRead(buffer, out var remb));
        Assert.Equal(expected, remb.Bitrate);
        Assert.Equal(0, remb.SsrcCount);
    }

    [Fact]
    public void Psfb_fmt15_without_remb_identifier_is_raw()
    {
        byte[] afb = Hex("8FCE0003 00000001 00000000 41424344");
        Assert.Equal(RtcpParseStatus.Ok, RtcpPacket.TryRead(afb, out var packet));
        Assert.Equal(RtcpPacketKind.Raw, packet.Kind);
        Assert.Equal(RtcpParseStatus.WrongType, ReceiverEstimatedMaxBitrate.TryRead(packet, out _));
        Assert.True(packet.Body.SequenceEqual(Hex("00000001 00000000 41424344")));
    }

    [Fact]
    public void Typed_readers_reject_other_types()
    {
        Assert.Equal(RtcpParseStatus.WrongType, GenericNack.TryRead(PliVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, PictureLossIndication.TryRead(NackVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, FullIntraRequest.TryRead(PliVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, Conclave.Media.Transport.Rtcp.TransportCc.TryRead(NackVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, SenderReport.TryRead(RrVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, Conclave.Media.Transport.Rtcp.ReceiverReport.TryRead(SrVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, SdesPacket.TryRead(ByeWithReasonVector, out _));
        Assert.Equal(RtcpParseStatus.WrongType, ByePacket.TryRead(SdesVector, out _));
    }
}
