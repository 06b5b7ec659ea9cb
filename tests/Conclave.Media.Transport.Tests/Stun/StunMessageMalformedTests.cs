using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>Hostile and broken datagrams give a status, never an exception.</summary>
public sealed class StunMessageMalformedTests
{
    private static string H(string length) => StunTestVectors.Header("0001", length);

    public static TheoryData<string, string, StunParseStatus> Malformed => new()
    {
        { "empty datagram",                        "",                                                 StunParseStatus.TooShort },
        { "19-byte header",                        H("0000")[..38],                                   StunParseStatus.TooShort },
        { "top two bits set (RTP-like)",           "8001" + H("0000")[4..],                           StunParseStatus.NotStun },
        { "top bit set (0x4000 type)",             "4001" + H("0000")[4..],                           StunParseStatus.NotStun },
        { "wrong magic cookie",                    "000100002112A443000102030405060708090A0B",        StunParseStatus.BadMagicCookie },
        { "length not a multiple of 4",            H("0002") + "0000",                                StunParseStatus.BadLength },
        { "length beyond datagram (truncated)",    H("0008") + "80220000",                            StunParseStatus.LengthMismatch },
        { "trailing bytes (oversized datagram)",   H("0000") + "00000000",                            StunParseStatus.LengthMismatch },
        { "length 0xFFFC on tiny datagram",        H("FFFC"),                                         StunParseStatus.LengthMismatch },
        { "attribute value overruns message",      H("0008") + "00060010" + "61626364",               StunParseStatus.AttributeOverrun },
        { "attribute padding missing",             H("0008") + "00060005" + "61626364",               StunParseStatus.AttributeOverrun },
        { "attribute length 0xFFFF",               H("0004") + "8022FFFF",                            StunParseStatus.AttributeOverrun },
        { "MESSAGE-INTEGRITY of 4 bytes",          H("0008") + "00080004" + "00000000",               StunParseStatus.BadMessageIntegrity },
        { "FINGERPRINT of 8 bytes",                H("000C") + "80280008" + "0000000000000000",       StunParseStatus.BadFingerprint },
        { "attribute after FINGERPRINT",           H("0010") + "80280004" + "00000000" + "80220000" + "00250000",                 StunParseStatus.BadFingerprint },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedMessageGivesStatus(string name, string hex, StunParseStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, StunMessage.TryRead(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void EmptyMessageWithOnlyHeaderIsOk()
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(Convert.FromHexString(H("0000")), out StunMessage stun));
        Assert.False(stun.HasMessageIntegrity);
        Assert.False(stun.HasFingerprint);
        Assert.Equal(StunIntegrityStatus.Missing, stun.VerifyMessageIntegrity("key"u8));
        Assert.Equal(StunIntegrityStatus.Missing, stun.VerifyFingerprint());
    }

    [Fact]
    public void EveryTruncationOfAVectorIsRejected()
    {
        byte[] message = StunTestVectors.Message("2.1");
        for (int length = 0; length < message.Length; length++)
        {
            Assert.NotEqual(StunParseStatus.Ok, StunMessage.TryRead(message.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void FlippedBitFailsIntegrityAndFingerprint()
    {
        byte[] message = StunTestVectors.Message("2.1");
        message[30] ^= 0x01;                                                                            // inside SOFTWARE
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(message, out StunMessage stun));
        Assert.Equal(StunIntegrityStatus.Mismatch, stun.VerifyMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBt"u8));
        Assert.Equal(StunIntegrityStatus.Mismatch, stun.VerifyFingerprint());
    }

    [Fact]
    public void AttributesAfterMessageIntegrityAreIgnored()
    {
        // RFC 8489 §14.5: anything after MESSAGE-INTEGRITY except FINGERPRINT is not covered, so it is not returned.
        var buffer = new byte[128];
        StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, new byte[12], out StunMessageWriter writer);
        writer.TryAppend(StunAttributeType.Username, "a:b"u8);
        writer.TryAppendMessageIntegrity("pwd"u8);
        writer.TryAppend(StunAttributeType.UseCandidate, default);
        writer.TryAppendFingerprint();
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Assert.True(stun.HasAttribute(StunAttributeType.Username));
        Assert.False(stun.HasAttribute(StunAttributeType.UseCandidate));
        Assert.True(stun.HasAttribute(StunAttributeType.Fingerprint));
        int all = 0;
        foreach (StunAttribute _ in stun.Attributes) all++;
        Assert.Equal(4, all);
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity("pwd"u8));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
    }

    [Fact]
    public void MalformedAttributeValuesAreRejectedByTheirReaders()
    {
        Span<byte> address = stackalloc byte[16];
        Assert.False(StunAddressAttribute.TryRead(Convert.FromHexString("0003A14700000000"), address, out _, out _));   // family 3
        Assert.False(StunAddressAttribute.TryRead(Convert.FromHexString("0001A147000000"), address, out _, out _));     // short IPv4
        Assert.False(StunAddressAttribute.TryRead(Convert.FromHexString("0002A14700000000"), address, out _, out _));   // IPv6 family, 4 bytes
        Assert.False(StunAddressAttribute.TryReadXor(Convert.FromHexString("0001A14700000000"), new byte[11], address, out _, out _));
        Assert.False(StunErrorCodeAttribute.TryRead(Convert.FromHexString("000002"), out _, out _));                    // short
        Assert.False(StunErrorCodeAttribute.TryRead(Convert.FromHexString("00000764"), out _, out _));                  // class 7
        Assert.False(StunErrorCodeAttribute.TryRead(Convert.FromHexString("00000464"), out _, out _));                  // number 100
        Assert.False(StunUnknownAttributes.TryRead(Convert.FromHexString("000100"), new ushort[4], out _));            // odd length
    }
}
