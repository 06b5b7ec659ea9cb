using System.Net;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>Writer → reader round trips for every attribute, and bounded failure on short buffers.</summary>
public sealed class StunMessageWriterTests
{
    private static readonly byte[] TransactionId = Convert.FromHexString("0102030405060708090A0B0C");

    public static TheoryData<string, ushort, StunMessageClass, ushort> MessageTypes => new()
    {
        { "binding request",          StunMessageType.BindingRequest,         StunMessageClass.Request,         1 },
        { "binding indication",       StunMessageType.BindingIndication,      StunMessageClass.Indication,      1 },
        { "binding success response", StunMessageType.BindingSuccessResponse, StunMessageClass.SuccessResponse, 1 },
        { "binding error response",   StunMessageType.BindingErrorResponse,   StunMessageClass.ErrorResponse,   1 },
        { "TURN allocate request",    0x0003,                                 StunMessageClass.Request,         3 },
        { "TURN refresh error",       0x0114,                                 StunMessageClass.ErrorResponse,   4 },
        { "all method bits",          0x3EEF,                                 StunMessageClass.Request,         0xFFF },
    };

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void MessageTypeComposesAndSplits(string name, ushort type, StunMessageClass messageClass, ushort method)
    {
        Assert.NotNull(name);
        Assert.Equal(messageClass, StunMessageType.GetClass(type));
        Assert.Equal(method, StunMessageType.GetMethod(type));
        Assert.Equal(type, StunMessageType.Compose(method, messageClass));
    }

    public static TheoryData<string, string, ushort> Addresses => new()
    {
        { "IPv4",          "192.0.2.1",                            32853 },
        { "IPv4 port 0",   "10.0.0.1",                             0 },
        { "IPv6",          "2001:db8:1234:5678:11:2233:4455:6677", 32853 },
        { "IPv6 loopback", "::1",                                  65535 },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void AddressAttributesRoundTrip(string name, string ip, ushort port)
    {
        Assert.NotNull(name);
        byte[] address = IPAddress.Parse(ip).GetAddressBytes();
        var buffer = new byte[100];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingSuccessResponse, TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppendMappedAddress(address, port));
        Assert.True(writer.TryAppendXorMappedAddress(address, port));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Span<byte> decoded = stackalloc byte[16];
        Assert.True(stun.TryGetMappedAddress(decoded, out int length, out ushort p));
        Assert.Equal(address, decoded[..length].ToArray());
        Assert.Equal(port, p);
        decoded.Clear();
        Assert.True(stun.TryGetXorMappedAddress(decoded, out length, out p));
        Assert.Equal(address, decoded[..length].ToArray());
        Assert.Equal(port, p);
        Assert.True(stun.TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> raw));
        Assert.False(raw[4..].SequenceEqual(address));                                                 // really XORed on the wire
    }

    [Fact]
    public void ErrorCodeUnknownAttributesRealmNonceRoundTrip()
    {
        var buffer = new byte[200];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingErrorResponse, TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppendErrorCode(420, "Unknown Attribute"u8));
        Assert.True(writer.TryAppendUnknownAttributes([0x0003, 0x7FFF, 0x0011]));
        Assert.True(writer.TryAppend(StunAttributeType.Realm, "example.org"u8));
        Assert.True(writer.TryAppend(StunAttributeType.Nonce, "abc"u8));
        Assert.True(writer.TryAppend(StunAttributeType.Software, "conclave"u8));
        Assert.True(writer.TryAppendMessageIntegrity("k"u8));
        Assert.True(writer.TryAppendFingerprint());
        Assert.Equal(0, writer.Length % 4);

        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Assert.True(stun.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> error));
        Assert.True(StunErrorCodeAttribute.TryRead(error, out int code, out ReadOnlySpan<byte> reason));
        Assert.Equal(420, code);
        Assert.True(reason.SequenceEqual("Unknown Attribute"u8));
        Assert.True(stun.TryGetAttribute(StunAttributeType.UnknownAttributes, out ReadOnlySpan<byte> unknown));
        var types = new ushort[3];
        Assert.True(StunUnknownAttributes.TryRead(unknown, types, out int count));
        Assert.Equal(new ushort[] { 0x0003, 0x7FFF, 0x0011 }, types[..count]);
        Assert.True(stun.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm) && realm.SequenceEqual("example.org"u8));
        Assert.True(stun.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce) && nonce.SequenceEqual("abc"u8));
        Assert.True(stun.TryGetAttribute(StunAttributeType.Software, out ReadOnlySpan<byte> software) && software.SequenceEqual("conclave"u8));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity("k"u8));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
    }

    [Fact]
    public void IceAttributesRoundTrip()
    {
        var buffer = new byte[100];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppendUInt32(StunAttributeType.Priority, 0x6E7F1EFF));
        Assert.True(writer.TryAppend(StunAttributeType.UseCandidate, default));
        Assert.True(writer.TryAppendUInt64(StunAttributeType.IceControlling, 0x0123456789ABCDEF));
        Assert.True(writer.TryAppendUInt64(StunAttributeType.IceControlled, 0xFEDCBA9876543210));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Assert.True(stun.TryGetUInt32(StunAttributeType.Priority, out uint priority));
        Assert.Equal(0x6E7F1EFFu, priority);
        Assert.True(stun.TryGetAttribute(StunAttributeType.UseCandidate, out ReadOnlySpan<byte> useCandidate));
        Assert.True(useCandidate.IsEmpty);
        Assert.True(stun.TryGetUInt64(StunAttributeType.IceControlling, out ulong controlling));
        Assert.Equal(0x0123456789ABCDEFul, controlling);
        Assert.True(stun.TryGetUInt64(StunAttributeType.IceControlled, out ulong controlled));
        Assert.Equal(0xFEDCBA9876543210ul, controlled);
        Assert.False(stun.TryGetUInt32(StunAttributeType.IceControlled, out _));                       // wrong width
    }

    [Fact]
    public void ShortBufferFailsAndLeavesMessageUntouched()
    {
        Assert.False(StunMessageWriter.TryCreate(new byte[19], StunMessageType.BindingRequest, TransactionId, out _));
        Assert.False(StunMessageWriter.TryCreate(new byte[20], StunMessageType.BindingRequest, new byte[11], out _));
        Assert.False(StunMessageWriter.TryCreate(new byte[20], 0xC001, TransactionId, out _));

        var buffer = new byte[20 + 8 + 8];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppend(StunAttributeType.Username, "abcd"u8));
        byte[] before = writer.Written.ToArray();
        Assert.False(writer.TryAppend(StunAttributeType.Software, "12345"u8));                            // needs 12, 8 left
        Assert.False(writer.TryAppendMessageIntegrity("k"u8));
        Assert.False(writer.TryAppendXorMappedAddress(new byte[16], 1));
        Assert.False(writer.TryAppendXorMappedAddress(new byte[5], 1));                                    // not 4 or 16
        Assert.False(writer.TryAppendErrorCode(299, default));
        Assert.Equal(before, writer.Written.ToArray());
        Assert.True(writer.TryAppendFingerprint());
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
    }

    [Fact]
    public void LongMessageIntegrityUsesPooledScratch()
    {
        // Beyond the 256-byte stackalloc limit the HMAC input goes through ArrayPool; the result must be the same.
        var buffer = new byte[1200];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppend(StunAttributeType.Software, new byte[700], padding: 0));
        Assert.True(writer.TryAppendMessageIntegrity("secret"u8));
        Assert.True(writer.TryAppendFingerprint());
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(writer.Written, out StunMessage stun));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity("secret"u8));
        Assert.Equal(StunIntegrityStatus.Mismatch, stun.VerifyMessageIntegrity("Secret"u8));
    }
}
