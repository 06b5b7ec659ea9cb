using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>RFC 5769 §2: the four sample messages, parsed, verified and rebuilt byte for byte.</summary>
public sealed class Rfc5769VectorTests
{
    // RFC 5769 §2.1-2.3: short-term credential, key = the password as-is.
    private static readonly byte[] ShortTermKey = Encoding.UTF8.GetBytes("VOkJxbRl1RmTxUk/WvJxBt");

    [Fact]
    public void VectorFileHoldsAllFourSections() => Assert.Equal(4, StunTestVectors.Count);

    [Fact]
    public void SampleRequest_2_1_Parses()
    {
        byte[] message = StunTestVectors.Message("2.1");                                           // RFC 5769 §2.1
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(message, out StunMessage stun));
        Assert.Equal(StunMessageType.BindingRequest, stun.MessageType);
        Assert.Equal(StunMessageClass.Request, stun.Class);
        Assert.Equal(StunMessageType.BindingMethod, stun.Method);
        Assert.Equal(StunTestVectors.Section("2.1").GetProperty("length_octets").GetInt32(), message.Length);
        Assert.Equal(message.Length - StunMessage.HeaderLength, stun.Length);
        Assert.Equal(Convert.FromHexString(StunTestVectors.Expected("2.1", "transaction id")), stun.TransactionId.ToArray());
        AssertText(stun, StunAttributeType.Software, StunTestVectors.Field("2.1", "Software name"));
        AssertText(stun, StunAttributeType.Username, StunTestVectors.Field("2.1", "Username"));
        Assert.True(stun.TryGetUInt32(StunAttributeType.Priority, out uint priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(stun.TryGetUInt64(StunAttributeType.IceControlled, out ulong tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        AssertMessageIntegrity(stun, "2.1", ShortTermKey);
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
        Assert.True(stun.TryGetAttribute(StunAttributeType.Fingerprint, out ReadOnlySpan<byte> fp));
        Assert.Equal(0xe57a3bcfu, BinaryPrimitives.ReadUInt32BigEndian(fp));
    }

    [Fact]
    public void SampleRequest_2_1_RoundTrips()
    {
        byte[] expected = StunTestVectors.Message("2.1");
        StunMessage.TryRead(expected, out StunMessage stun);
        var buffer = new byte[expected.Length];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, stun.TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppend(StunAttributeType.Software, "STUN test client"u8, padding: 0x20));
        Assert.True(writer.TryAppendUInt32(StunAttributeType.Priority, 0x6e0001ff));
        Assert.True(writer.TryAppendUInt64(StunAttributeType.IceControlled, 0x932ff9b151263b36));
        Assert.True(writer.TryAppend(StunAttributeType.Username, "evtj:h6vY"u8, padding: 0x20));         // §2.1 pads with spaces
        Assert.True(writer.TryAppendMessageIntegrity(ShortTermKey));
        Assert.True(writer.TryAppendFingerprint());
        Assert.True(expected.AsSpan().SequenceEqual(writer.Written));
    }

    [Fact]
    public void SampleIPv4Response_2_2_ParsesAndRoundTrips()
    {
        byte[] message = StunTestVectors.Message("2.2");                                           // RFC 5769 §2.2
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(message, out StunMessage stun));
        Assert.Equal(StunMessageType.BindingSuccessResponse, stun.MessageType);
        Assert.Equal(StunMessageClass.SuccessResponse, stun.Class);
        AssertText(stun, StunAttributeType.Software, StunTestVectors.Field("2.2", "Software name"));
        Span<byte> address = stackalloc byte[16];
        Assert.True(stun.TryGetXorMappedAddress(address, out int length, out ushort port));
        Assert.Equal(IPAddress.Parse("192.0.2.1"), new IPAddress(address[..length]));
        Assert.Equal(32853, port);
        Assert.True(stun.TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> raw));
        Assert.Equal(Convert.FromHexString(StunTestVectors.Expected("2.2", "XOR-MAPPED-ADDRESS raw")), raw.ToArray());
        AssertMessageIntegrity(stun, "2.2", ShortTermKey);
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());

        AssertResponseRoundTrip(message, stun, address[..length].ToArray(), port);
    }

    [Fact]
    public void SampleIPv6Response_2_3_ParsesAndRoundTrips()
    {
        byte[] message = StunTestVectors.Message("2.3");                                           // RFC 5769 §2.3
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(message, out StunMessage stun));
        Assert.Equal(StunMessageType.BindingSuccessResponse, stun.MessageType);
        Span<byte> address = stackalloc byte[16];
        Assert.True(stun.TryGetXorMappedAddress(address, out int length, out ushort port));
        Assert.Equal(16, length);
        Assert.Equal(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), new IPAddress(address[..length]));
        Assert.Equal(32853, port);
        Assert.True(stun.TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> raw));
        Assert.Equal(Convert.FromHexString(StunTestVectors.Expected("2.3", "XOR-MAPPED-ADDRESS raw")), raw.ToArray());
        AssertMessageIntegrity(stun, "2.3", ShortTermKey);
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());

        AssertResponseRoundTrip(message, stun, address[..length].ToArray(), port);
    }

    [Fact]
    public void SampleLongTermRequest_2_4_ParsesVerifiesAndRoundTrips()
    {
        byte[] message = StunTestVectors.Message("2.4");                                           // RFC 5769 §2.4
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(message, out StunMessage stun));
        Assert.Equal(StunMessageType.BindingRequest, stun.MessageType);
        Assert.Equal(Convert.FromHexString(StunTestVectors.Expected("2.4", "transaction id")), stun.TransactionId.ToArray());
        byte[] username = Convert.FromHexString(StunTestVectors.Field("2.4", "Username UTF-8 hex"));
        Assert.Equal("マトリックス", Encoding.UTF8.GetString(username));
        Assert.True(stun.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> u));
        Assert.Equal(username, u.ToArray());
        AssertText(stun, StunAttributeType.Nonce, StunTestVectors.Field("2.4", "Nonce"));
        AssertText(stun, StunAttributeType.Realm, StunTestVectors.Field("2.4", "Realm"));
        Assert.Equal(StunIntegrityStatus.Missing, stun.VerifyFingerprint());

        // RFC 8489 §9.2.2: long-term key = MD5(username ":" realm ":" OpaqueString(password)); "TheMatrIX" after SASLprep.
        byte[] key = MD5.HashData(Encoding.UTF8.GetBytes("マトリックス:example.org:TheMatrIX"));
        Assert.Equal("e8ca7ad59d5eb0518e312911d2dab2a9", Convert.ToHexStringLower(key));
        AssertMessageIntegrity(stun, "2.4", key);

        var buffer = new byte[message.Length];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingRequest, stun.TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppend(StunAttributeType.Username, username));
        Assert.True(writer.TryAppend(StunAttributeType.Nonce, "f//499k954d6OL34oL9FSTvy64sA"u8));
        Assert.True(writer.TryAppend(StunAttributeType.Realm, "example.org"u8));
        Assert.True(writer.TryAppendMessageIntegrity(key));
        Assert.True(message.AsSpan().SequenceEqual(writer.Written));
    }

    private static void AssertResponseRoundTrip(byte[] expected, StunMessage stun, byte[] address, ushort port)
    {
        var buffer = new byte[expected.Length];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingSuccessResponse, stun.TransactionId, out StunMessageWriter writer));
        Assert.True(writer.TryAppend(StunAttributeType.Software, "test vector"u8, padding: 0x20));
        Assert.True(writer.TryAppendXorMappedAddress(address, port));
        Assert.True(writer.TryAppendMessageIntegrity(ShortTermKey));
        Assert.True(writer.TryAppendFingerprint());
        Assert.True(expected.AsSpan().SequenceEqual(writer.Written));
    }

    private static void AssertMessageIntegrity(StunMessage stun, string section, byte[] key)
    {
        Assert.True(stun.TryGetAttribute(StunAttributeType.MessageIntegrity, out ReadOnlySpan<byte> mi));
        Assert.Equal(Convert.FromHexString(StunTestVectors.Expected(section, "MESSAGE-INTEGRITY")), mi.ToArray());
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity(key));
        byte[] wrong = (byte[])key.Clone();
        wrong[0] ^= 1;
        Assert.Equal(StunIntegrityStatus.Mismatch, stun.VerifyMessageIntegrity(wrong));
    }

    private static void AssertText(StunMessage stun, StunAttributeType type, string expected)
    {
        Assert.True(stun.TryGetAttribute(type, out ReadOnlySpan<byte> value));
        Assert.Equal(expected, Encoding.UTF8.GetString(value));
    }
}
