using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Tests.Rtp;

public class RtpHeaderTests
{
    internal static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", "", StringComparison.Ordinal));

    // RFC 3550 §5.1 + RFC 8285 §4.2, built by hand: an Opus packet as Chromium sends it.
    internal static readonly byte[] OpusWithExtensions = Hex(
        "90 6F 12 34" +   // V=2 P=0 X=1 CC=0 | M=0 PT=111 | seq 0x1234
        "00 00 AB CD" +   // timestamp 43981
        "11 22 33 44" +   // SSRC
        "BE DE 00 02" +   // RFC 8285 §4.2 one-byte profile, 2 words
        "10 8A" +         // id 1 L=0: audio level V=1 level 10 (RFC 6464)
        "31 00 05" +      // id 3 L=1: transport-wide seq 5
        "00 00 00" +      // padding bytes
        "FC FF FE");      // payload

    // RFC 3550 §5.1: two CSRCs, marker, 4 padding octets.
    internal static readonly byte[] CsrcAndPadding = Hex(
        "A2 E0 FF FF" +   // V=2 P=1 X=0 CC=2 | M=1 PT=96 | seq 65535
        "00 00 00 01" +   // timestamp 1
        "01 02 03 04" +   // SSRC
        "0A 0B 0C 0D" +   // CSRC 1
        "0E 0F 10 11" +   // CSRC 2
        "DE AD" +         // payload
        "00 00 00 04");   // padding, last octet = count (4)

    public static TheoryData<string, string, RtpParseStatus> Malformed => new()
    {
        { "shorter than fixed header",        "80600001000000",                              RtpParseStatus.TooShort },
        { "version 1",                        "4060000100000000DEADBEEF",                    RtpParseStatus.BadVersion },
        { "version 0",                        "0060000100000000DEADBEEF",                    RtpParseStatus.BadVersion },
        { "csrc count exceeds buffer",        "8F60000100000000DEADBEEF",                    RtpParseStatus.TooShort },
        { "padding length zero",              "A060000100000000DEADBEEF00",                  RtpParseStatus.BadPadding },
        { "padding longer than payload",      "A060000100000000DEADBEEF0105",                RtpParseStatus.BadPadding },
        { "extension header truncated",       "9060000100000000DEADBEEFBEDE",                RtpParseStatus.TooShort },
        { "extension length beyond buffer",   "9060000100000000DEADBEEFBEDE000210AA0000",    RtpParseStatus.TooShort },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_packets_return_status(string name, string hex, RtpParseStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, RtpHeader.TryRead(Hex(hex), out _));
    }

    [Fact]
    public void Reads_fixed_header_extension_and_payload()
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(OpusWithExtensions, out var h));
        Assert.Equal(2, h.Version);
        Assert.False(h.HasPadding);
        Assert.True(h.HasExtension);
        Assert.False(h.Marker);
        Assert.Equal(111, h.PayloadType);
        Assert.Equal(0x1234, h.SequenceNumber);
        Assert.Equal(0xABCDu, h.Timestamp);
        Assert.Equal(0x11223344u, h.Ssrc);
        Assert.Equal(0, h.CsrcCount);
        Assert.Equal(0xBEDE, h.ExtensionProfile);
        Assert.Equal(8, h.ExtensionData.Length);
        Assert.Equal(24, h.HeaderLength);
        Assert.True(h.Payload.SequenceEqual(Hex("FCFFFE")));
    }

    [Fact]
    public void Reads_csrcs_marker_and_padding()
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(CsrcAndPadding, out var h));
        Assert.True(h.Marker);
        Assert.True(h.HasPadding);
        Assert.Equal(96, h.PayloadType);
        Assert.Equal(65535, h.SequenceNumber);
        Assert.Equal(2, h.CsrcCount);
        Assert.Equal(0x0A0B0C0Du, h.GetCsrc(0));
        Assert.Equal(0x0E0F1011u, h.GetCsrc(1));
        Assert.Equal(4, h.PaddingLength);
        Assert.True(h.Payload.SequenceEqual(Hex("DEAD")));
    }

    public static TheoryData<string, string> RoundTrip => new()
    {
        { "opus with one-byte extensions", Convert.ToHexString(OpusWithExtensions) },
        { "csrcs and padding",             Convert.ToHexString(CsrcAndPadding) },
        { "bare header, empty payload",    "8060000100000000DEADBEEF" },
        { "empty extension block",         "9060000100000000DEADBEEFBEDE0000AA" },
    };

    [Theory]
    [MemberData(nameof(RoundTrip))]
    public void Read_write_round_trip(string name, string hex)
    {
        Assert.NotNull(name);
        byte[] packet = Hex(hex);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out var h));
        Span<uint> csrcs = stackalloc uint[15];
        var writer = RtpPacketWriter.From(h, csrcs);
        Assert.Equal(packet.Length, writer.GetWrittenLength());
        var output = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(output, out int written));
        Assert.Equal(packet.Length, written);
        Assert.True(output.AsSpan().SequenceEqual(packet));
        Assert.False(writer.TryWrite(new byte[written - 1], out _));
    }

    [Fact]
    public void Writer_rejects_out_of_range_fields()
    {
        var writer = new RtpPacketWriter { PayloadType = 128 };
        Assert.False(writer.TryWrite(new byte[64], out _));
        writer = new RtpPacketWriter { HasExtension = true, ExtensionProfile = 0xBEDE, ExtensionData = new byte[3] };
        Assert.False(writer.TryWrite(new byte[64], out _));
        writer = new RtpPacketWriter { Csrcs = new uint[16] };
        Assert.False(writer.TryWrite(new byte[128], out _));
    }

    [Fact]
    public void Editor_rewrites_fields_in_place()
    {
        byte[] packet = (byte[])OpusWithExtensions.Clone();
        RtpHeaderEditor.SetSequenceNumber(packet, 0xBEEF);
        RtpHeaderEditor.SetTimestamp(packet, 0xCAFEBABE);
        RtpHeaderEditor.SetSsrc(packet, 0x01020304);
        RtpHeaderEditor.SetPayloadType(packet, 100);
        RtpHeaderEditor.SetMarker(packet, true);
        Assert.True(RtpHeaderEditor.TryGetExtensionValue(packet, 3, out var twcc));
        Assert.True(TransportSequenceNumberExtension.TryWrite(twcc, 0x4242));
        Assert.False(RtpHeaderEditor.TryGetExtensionValue(packet, 7, out _));

        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out var h));
        Assert.Equal(0xBEEF, h.SequenceNumber);
        Assert.Equal(0xCAFEBABEu, h.Timestamp);
        Assert.Equal(0x01020304u, h.Ssrc);
        Assert.Equal(100, h.PayloadType);
        Assert.True(h.Marker);
        Assert.Equal(RtpParseStatus.Ok, h.TryGetExtensions(out var ext));
        Assert.True(ext.TryFind(3, out var value));
        Assert.True(TransportSequenceNumberExtension.TryRead(value, out ushort seq));
        Assert.Equal(0x4242, seq);
        Assert.True(h.Payload.SequenceEqual(Hex("FCFFFE")));
        RtpHeaderEditor.SetMarker(packet, false);
        Assert.Equal(0x64, packet[1]);
    }
}
