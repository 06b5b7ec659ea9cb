using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

public sealed class RtxPacketizerTests
{
    // RFC 3550 §5.1 original: V=2 P=1 X=1 CC=1 | M=1 PT=96 | seq 0x1234 | ts 0xDEADBEEF | SSRC 0x11223344
    // | CSRC 0xCAFEBABE | RFC 8285 one-byte extension (id 1, L=0, 0xAA, 2 padding) | payload 01..05 | 3 padding octets.
    private static readonly byte[] Original = Convert.FromHexString(
        "B1E01234DEADBEEF11223344CAFEBABE" + "BEDE000110AA0000" + "0102030405" + "000003");

    // RFC 4588 §4 RTX packet: P cleared, PT 97 with M kept, RTX seq 0x0001, same timestamp, RTX SSRC 0x99887766,
    // same CSRC list and extension block, then OSN 0x1234 and the original payload (no padding).
    private static readonly byte[] Expected = Convert.FromHexString(
        "91E10001DEADBEEF99887766CAFEBABE" + "BEDE000110AA0000" + "1234" + "0102030405");

    [Fact]
    public void Rfc4588_section4_layout()
    {
        var rtx = new RtxPacketizer(0x99887766, 97, 1);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(Original, out var original));
        Assert.Equal(Expected.Length, RtxPacketizer.GetWrittenLength(original));
        var destination = new byte[64];
        Assert.True(rtx.TryWrite(original, destination, out int written));
        Assert.Equal(Convert.ToHexString(Expected), Convert.ToHexString(destination, 0, written));
        Assert.Equal(2, rtx.NextSequenceNumber);
    }

    [Fact]
    public void Rtx_packet_parses_back_to_the_original_fields()
    {
        byte[] packet = Rtp(0x0BADCAFE, 31_337, 123_456_789, marker: true, payloadLength: 900, csrcCount: 3, extension: true);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out var original));
        var rtx = new RtxPacketizer(0x0DDBA11, 101, 500);
        var destination = new byte[1500];
        Assert.True(rtx.TryWrite(original, destination, out int written));

        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(destination.AsSpan(0, written), out var header));
        Assert.Equal(101, header.PayloadType);
        Assert.Equal(0x0DDBA11u, header.Ssrc);
        Assert.Equal(500, header.SequenceNumber);
        Assert.Equal(original.Timestamp, header.Timestamp);
        Assert.Equal(original.Marker, header.Marker);
        Assert.Equal(3, header.CsrcCount);
        Assert.Equal(original.GetCsrc(2), header.GetCsrc(2));
        Assert.Equal(original.ExtensionProfile, header.ExtensionProfile);
        Assert.Equal(original.ExtensionData.ToArray(), header.ExtensionData.ToArray());
        Assert.Equal(31_337, (header.Payload[0] << 8) | header.Payload[1]);                 // OSN
        Assert.Equal(original.Payload.ToArray(), header.Payload[RtxPacketizer.OsnLength..].ToArray());
    }

    [Fact]
    public void The_rtx_sequence_number_is_its_own_counter_and_wraps()
    {
        var rtx = new RtxPacketizer(1, 97, 65_535);
        var destination = new byte[200];
        foreach (ushort expected in (ushort[])[65_535, 0, 1])
        {
            byte[] packet = Rtp(2, 7, 0);                                   // the same original each time
            Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out var original));
            Assert.True(rtx.TryWrite(original, destination, out _));
            Assert.Equal(expected, Seq(destination));
        }
    }

    [Fact]
    public void Conversion_in_place_matches_a_copy()
    {
        byte[] packet = Rtp(0x42, 9_999, 77, payloadLength: 300, csrcCount: 1, extension: true);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out var original));
        var copy = new byte[400];
        Assert.True(new RtxPacketizer(0x43, 97, 10).TryWrite(original, copy, out int copied));

        byte[] buffer = new byte[packet.Length + RtxPacketizer.OsnLength];
        packet.CopyTo(buffer);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(buffer.AsSpan(0, packet.Length), out var inPlace));
        Assert.True(new RtxPacketizer(0x43, 97, 10).TryWrite(inPlace, buffer, out int written));
        Assert.Equal(copy[..copied], buffer[..written]);
    }

    [Fact]
    public void Too_small_or_shifted_destinations_are_refused_without_advancing()
    {
        var rtx = new RtxPacketizer(1, 97, 40);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(Original, out var original));
        Assert.False(rtx.TryWrite(original, new byte[Expected.Length - 1], out int written));
        Assert.Equal(0, written);

        byte[] buffer = new byte[Original.Length + 8];
        Original.CopyTo(buffer, 4);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(buffer.AsSpan(4, Original.Length), out var overlapping));
        Assert.False(rtx.TryWrite(overlapping, buffer.AsSpan(2), out _));
        Assert.Equal(40, rtx.NextSequenceNumber);
    }

    [Fact]
    public void Payload_type_must_fit_seven_bits()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RtxPacketizer(1, 128, 0));
}
