using Conclave.Media.Transport.Rtp;
using static Conclave.Media.Transport.Tests.Rtp.RtpHeaderTests;

namespace Conclave.Media.Transport.Tests.Rtp;

public class RtpHeaderExtensionTests
{
    // RFC 8285 §4.2 figure: "ID L=0 data | ID L=1 data data | 0 pad | 0 pad | ID L=3 data×4", length=3.
    private static readonly byte[] OneByteBody = Hex("10 AA  21 BB CC  00 00  33 01 02 03 04");

    // RFC 8285 §4.3 figure: "ID L=0 | ID L=1 data | 0 pad | ID L=4 data×4", length=3.
    private static readonly byte[] TwoByteBody = Hex("01 00  02 01 BB  00  03 04 01 02 03 04");

    [Fact]
    public void One_byte_form_rfc8285_4_2()
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeaderExtensionReader.TryCreate(0xBEDE, OneByteBody, out var r));
        Assert.False(r.IsTwoByte);
        Assert.True(r.TryReadNext(out var e));
        Assert.Equal(1, e.Id);
        Assert.True(e.Value.SequenceEqual(Hex("AA")));
        Assert.True(r.TryReadNext(out e));
        Assert.Equal(2, e.Id);
        Assert.True(e.Value.SequenceEqual(Hex("BBCC")));
        Assert.True(r.TryReadNext(out e));
        Assert.Equal(3, e.Id);
        Assert.Equal(8, e.ValueOffset);
        Assert.True(e.Value.SequenceEqual(Hex("01020304")));
        Assert.False(r.TryReadNext(out _));
        Assert.True(r.TryFind(2, out var v));
        Assert.True(v.SequenceEqual(Hex("BBCC")));
        Assert.False(r.TryFind(4, out _));
    }

    [Fact]
    public void Two_byte_form_rfc8285_4_3()
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeaderExtensionReader.TryCreate(0x1000, TwoByteBody, out var r));
        Assert.True(r.IsTwoByte);
        Assert.True(r.TryReadNext(out var e));
        Assert.Equal(1, e.Id);
        Assert.Equal(0, e.Value.Length);
        Assert.True(r.TryReadNext(out e));
        Assert.Equal(2, e.Id);
        Assert.True(e.Value.SequenceEqual(Hex("BB")));
        Assert.True(r.TryReadNext(out e));
        Assert.Equal(3, e.Id);
        Assert.True(e.Value.SequenceEqual(Hex("01020304")));
        Assert.False(r.TryReadNext(out _));
        // appbits in the low nibble are allowed (0x100X).
        Assert.Equal(RtpParseStatus.Ok, RtpHeaderExtensionReader.TryCreate(0x100F, TwoByteBody, out _));
    }

    [Fact]
    public void Id_15_stops_parsing_rfc8285_4_2()
    {
        // id 1, then id 15 whose length must be ignored, then bytes that would be id 2.
        Assert.Equal(RtpParseStatus.Ok, RtpHeaderExtensionReader.TryCreate(0xBEDE, Hex("10AA F0 2122 33 000000"), out var r));
        Assert.True(r.TryFind(1, out _));
        Assert.False(r.TryFind(2, out _));
        Assert.True(r.TryReadNext(out _));
        Assert.False(r.TryReadNext(out _));
    }

    public static TheoryData<string, ushort, string, RtpParseStatus> MalformedBlocks => new()
    {
        { "one-byte element past end",          0xBEDE, "10AA 23BBCC",     RtpParseStatus.TooShort },
        { "one-byte id 0 with a length",        0xBEDE, "05AABBCCDDEEFF00", RtpParseStatus.BadExtensionElement },
        { "two-byte length past end",           0x1000, "0105AABB",        RtpParseStatus.TooShort },
        { "two-byte header cut after id",       0x1000, "000000 07",       RtpParseStatus.TooShort },
        { "unknown profile",                    0xABCD, "00000000",        RtpParseStatus.UnknownExtensionProfile },
    };

    [Theory]
    [MemberData(nameof(MalformedBlocks))]
    public void Malformed_blocks_return_status(string name, ushort profile, string hex, RtpParseStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, RtpHeaderExtensionReader.TryCreate(profile, Hex(hex), out _));
    }

    [Fact]
    public void Writer_compacts_to_one_byte_when_every_element_allows_it()
    {
        Span<byte> body = stackalloc byte[64];
        var w = new RtpHeaderExtensionWriter(body, allowTwoByte: true);
        Assert.True(w.TryAdd(1, Hex("AA")));
        Assert.True(w.TryAdd(2, Hex("BBCC")));
        Assert.True(w.TryAdd(3, 4, out var slot));
        Hex("01020304").CopyTo(slot);
        Assert.True(w.TryFinish(out ushort profile, out int length));
        Assert.Equal(0xBEDE, profile);
        Assert.True(body[..length].SequenceEqual(Hex("10AA 21BBCC 3301020304 0000")));
    }

    public static TheoryData<string, byte, int> NeedsTwoByte => new()
    {
        { "id 15",       15, 1 },
        { "id 200",     200, 2 },
        { "length 0",     1, 0 },
        { "length 17",    1, 17 },
    };

    [Theory]
    [MemberData(nameof(NeedsTwoByte))]
    public void Writer_uses_two_byte_form_only_when_allowed(string name, byte id, int valueLength)
    {
        Assert.NotNull(name);
        byte[] value = new byte[valueLength];
        Array.Fill(value, (byte)0x5A);
        Span<byte> body = stackalloc byte[300];
        var strict = new RtpHeaderExtensionWriter(body, allowTwoByte: false);
        Assert.False(strict.TryAdd(id, value));                           // RFC 8285 §4.1.2 without extmap-allow-mixed

        var mixed = new RtpHeaderExtensionWriter(body, allowTwoByte: true);
        Assert.True(mixed.TryAdd(9, Hex("AA")));
        Assert.True(mixed.TryAdd(id, value));
        Assert.True(mixed.TryFinish(out ushort profile, out int length));
        Assert.Equal(0x1000, profile);
        Assert.Equal(0, length % 4);
        Assert.Equal(RtpParseStatus.Ok, RtpHeaderExtensionReader.TryCreate(profile, body[..length], out var r));
        Assert.True(r.TryFind(9, out var a));
        Assert.True(a.SequenceEqual(Hex("AA")));
        Assert.True(r.TryFind(id, out var b));
        Assert.True(b.SequenceEqual(value));
    }

    [Fact]
    public void Writer_rejects_id_0_and_overflow()
    {
        Span<byte> body = stackalloc byte[4];
        var w = new RtpHeaderExtensionWriter(body, allowTwoByte: true);
        Assert.False(w.TryAdd(0, Hex("AA")));
        Assert.False(w.TryAdd(1, Hex("AABBCCDD")));
        Assert.True(w.TryAdd(1, Hex("AA")));
        Assert.True(w.TryFinish(out _, out int length));
        Assert.Equal(4, length);
    }

    [Fact]
    public void Packet_built_with_extension_writer_parses_back()
    {
        Span<byte> ext = stackalloc byte[32];
        var w = new RtpHeaderExtensionWriter(ext, allowTwoByte: false);
        Assert.True(w.TryAdd(1, AudioLevelExtension.Length, out var level));
        Assert.True(AudioLevelExtension.TryWrite(level, voiceActivity: true, 42));
        Assert.True(w.TryAdd(2, AbsSendTimeExtension.Length, out var abs));
        Assert.True(AbsSendTimeExtension.TryWrite(abs, 0xABCDEF));
        Assert.True(w.TryAdd(3, TransportSequenceNumberExtension.Length, out var tw));
        Assert.True(TransportSequenceNumberExtension.TryWrite(tw, 777));
        Assert.True(w.TryAdd(4, "0"u8));
        Assert.True(w.TryAdd(5, "hi"u8));
        Assert.True(w.TryFinish(out ushort profile, out int length));

        var packet = new RtpPacketWriter
        {
            PayloadType = 111, SequenceNumber = 9, Timestamp = 960, Ssrc = 0xDEADBEEF,
            HasExtension = true, ExtensionProfile = profile, ExtensionData = ext[..length], Payload = "opus"u8,
        };
        var buffer = new byte[packet.GetWrittenLength()];
        Assert.True(packet.TryWrite(buffer, out _));

        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(buffer, out var h));
        Assert.Equal(RtpParseStatus.Ok, h.TryGetExtensions(out var r));
        Assert.True(r.TryFind(1, out var v));
        Assert.True(AudioLevelExtension.TryRead(v, out bool vad, out byte dbov));
        Assert.True(vad);
        Assert.Equal(42, dbov);
        Assert.True(r.TryFind(2, out v));
        Assert.True(AbsSendTimeExtension.TryRead(v, out uint sendTime));
        Assert.Equal(0xABCDEFu, sendTime);
        Assert.True(r.TryFind(3, out v));
        Assert.True(TransportSequenceNumberExtension.TryRead(v, out ushort seq));
        Assert.Equal(777, seq);
        Assert.True(r.TryFind(4, out v));
        Assert.True(SdesItemExtension.TryReadMid(v, out var mid));
        Assert.True(mid.SequenceEqual("0"u8));
        Assert.True(r.TryFind(5, out v));
        Assert.True(SdesItemExtension.TryReadRid(v, out var rid));
        Assert.True(rid.SequenceEqual("hi"u8));
        Assert.True(h.Payload.SequenceEqual("opus"u8));
    }

    [Fact]
    public void Typed_readers_reject_short_values()
    {
        Assert.False(AudioLevelExtension.TryRead(default, out _, out _));
        Assert.False(TransportSequenceNumberExtension.TryRead(Hex("01"), out _));
        Assert.False(AbsSendTimeExtension.TryRead(Hex("0102"), out _));
        Assert.True(AudioLevelExtension.TryRead(Hex("7F"), out bool v, out byte level));
        Assert.False(v);
        Assert.Equal(127, level);
    }

    public static TheoryData<string, string, bool, bool> Identifiers => new()
    {
        // name, ASCII value, valid MID (RFC 8866 token), valid RID (RFC 8851 §10)
        { "digit",                 "0",        true,  true  },
        { "alnum with dash",       "hi-res_1", true,  true  },
        { "zero padded",           "q\0\0",    true,  true  },
        { "dot is token not rid",  "a.b",      true,  false },
        { "space",                 "a b",      false, false },
        { "empty",                 "",         false, false },
        { "only zeros",            "\0\0",     false, false },
    };

    [Theory]
    [MemberData(nameof(Identifiers))]
    public void Mid_and_rid_validation(string name, string ascii, bool validMid, bool validRid)
    {
        Assert.NotNull(name);
        byte[] value = System.Text.Encoding.ASCII.GetBytes(ascii);
        Assert.Equal(validMid, SdesItemExtension.TryReadMid(value, out _));
        Assert.Equal(validRid, SdesItemExtension.TryReadRid(value, out _));
    }

    [Fact]
    public void Abs_send_time_conversions()
    {
        // 1.5 s in NTP 32.32 is 0x1_8000_0000; 6.18 keeps 6 integer and 18 fraction bits.
        Assert.Equal(0x060000u, AbsSendTimeExtension.FromNtp(0x1_8000_0000UL));
        Assert.Equal(1_500_000, AbsSendTimeExtension.ToMicroseconds(0x060000));
    }
}
