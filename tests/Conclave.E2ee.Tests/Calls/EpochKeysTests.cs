using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Conclave.E2ee.Calls;

namespace Conclave.E2ee.Tests.Calls;

/// <summary>The call key schedule (docs/e2ee.md; epoch-keys.js) against values computed here from its definition with
/// raw SHA-256 and HMAC-SHA256 (HKDF-Expand, RFC 5869 §2.3), and against bytes written out with Python's hashlib/hmac.</summary>
public sealed class EpochKeysTests
{
    private static readonly byte[] SigningKey = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly byte[] Secret = [.. Enumerable.Range(0x40, 32).Select(i => (byte)i)];

    /// <summary>HKDF-Expand(PRK, info, L) for L ≤ 32 (one block): T(1) = HMAC-Hash(PRK, info || 0x01), RFC 5869 §2.3.</summary>
    private static byte[] ExpandOneBlock(byte[] prk, byte[] info, int length) =>
        HMACSHA256.HashData(prk, (byte[])[.. info, 0x01])[..length];

    private static byte[] Text(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return [(byte)(utf8.Length >> 8), (byte)utf8.Length, .. utf8];
    }

    private static byte[] Ascii(string value) => Encoding.ASCII.GetBytes(value);

    [Theory]
    [InlineData("s-alice", 752213346u, "5c567d9c54df16f5f14376b221936320")]
    [InlineData("séance-😀", 357217095u, "9c79b7bc30a1eabbb0f5bf27ec8ae8a3")]
    public void Sender_index_and_key_are_the_definition(string session, uint pythonIndex, string pythonBaseKey)
    {
        byte[] senderId = [.. Text(session), .. SigningKey];
        uint index = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Ascii("Conclave sender v1"), 0, .. senderId]));
        byte[] baseKey = ExpandOneBlock(Secret, [.. Ascii("Conclave SFrame sender v1"), 0, .. senderId], 16);
        Assert.Equal(pythonIndex, index);
        Assert.Equal(pythonBaseKey, Convert.ToHexStringLower(baseKey));

        Assert.Equal(index, EpochKeys.SenderIndex(session, SigningKey));
        foreach (long epoch in new long[] { 0, 5, 255, 256, 1000, long.MaxValue })
        {
            (ulong kid, byte[] key) = EpochKeys.SenderKey(Secret, epoch, session, SigningKey);
            Assert.Equal((ulong)index << 8 | (ulong)(epoch & 0xff), kid);
            Assert.Equal(baseKey, key);                               // the base key is per epoch secret, not per epoch number
        }
    }

    [Fact]
    public void Different_sessions_or_signing_keys_get_different_keys()
    {
        byte[] otherKey = (byte[])SigningKey.Clone();
        otherKey[31] ^= 1;
        byte[] a = EpochKeys.SenderKey(Secret, 1, "s-a", SigningKey).BaseKey;
        Assert.NotEqual(a, EpochKeys.SenderKey(Secret, 1, "s-b", SigningKey).BaseKey);
        Assert.NotEqual(a, EpochKeys.SenderKey(Secret, 1, "s-a", otherKey).BaseKey);
        Assert.NotEqual(a, EpochKeys.SenderKey(EpochKeys.Ratchet(Secret), 1, "s-a", SigningKey).BaseKey);
    }

    [Fact]
    public void The_ratchet_is_the_definition()
    {
        byte[] expected = ExpandOneBlock(Secret, Ascii("Conclave epoch ratchet v1"), 32);
        Assert.Equal("e2886dbc3da509d1856c028c3f213d6385c64978294ba32ae3b34a23d0ec7b0d", Convert.ToHexStringLower(expected));
        Assert.Equal(expected, EpochKeys.Ratchet(Secret));
        Assert.Equal(ExpandOneBlock(expected, Ascii("Conclave epoch ratchet v1"), 32), EpochKeys.Ratchet(EpochKeys.Ratchet(Secret)));
    }

    [Fact]
    public void The_wrap_info_is_the_definition()
    {
        byte[] expected = [.. Ascii("Conclave epoch key v1"), 0, .. Text("room-1"), .. Text("call-7"), .. Text("s-a"), .. Text("s-b"), 0, 0, 0, 0, 0, 0, 0, 3];
        Assert.Equal("436f6e636c6176652065706f6368206b6579207631000006726f6f6d2d31000663616c6c2d370003732d610003732d620000000000000003",
            Convert.ToHexStringLower(expected));
        Assert.Equal(expected, EpochKeys.WrapInfo("room-1", "call-7", "s-a", "s-b", 3));
        byte[] info = EpochKeys.WrapInfo("salle é", "c", "ß", "😀", long.MaxValue);
        Assert.Equal([.. Ascii("Conclave epoch key v1"), 0, .. Text("salle é"), .. Text("c"), .. Text("ß"), .. Text("😀"), 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], info);
    }

    [Fact]
    public void The_signed_message_is_the_definition()
    {
        const string Body = "{\"k\":\"ack\",\"epoch\":3}";
        byte[] expected = [.. Ascii("Conclave e2ee message v1"), 0, .. Text("room-1"), .. Text("call-7"), .. Text("s-a"), .. Text("s-b"), .. Ascii(Body)];
        // Written out with Python: b"Conclave e2ee message v1\0" + t("room-1") + t("call-7") + t("s-a") + t("s-b") + body.
        Assert.Equal("436f6e636c6176652065326565206d657373616765207631000006726f6f6d2d31000663616c6c2d370003732d610003732d62"
            + "7b226b223a2261636b222c2265706f6368223a337d", Convert.ToHexStringLower(expected));
        Assert.Equal(expected, EpochKeys.MessageToSign("room-1", "call-7", "s-a", "s-b", Body));

        // Non-ASCII everywhere; the body is UTF-8 without a length (it is last). SHA-256 written out with Python.
        const string Unicode = "{\"k\":\"need\",\"x\":\"é😀\"}";
        byte[] message = EpochKeys.MessageToSign("salle é", "c", "ß", "😀", Unicode);
        Assert.Equal([.. Ascii("Conclave e2ee message v1"), 0, .. Text("salle é"), .. Text("c"), .. Text("ß"), .. Text("😀"), .. Encoding.UTF8.GetBytes(Unicode)], message);
        Assert.Equal("c2b5f31d08d485fd4167f0d8ff4d1e4c64f5c2ffd92486144af7840e90a451dc", Convert.ToHexStringLower(SHA256.HashData(message)));

        // Every field counts, and the length prefixes keep the fields apart.
        Assert.NotEqual(expected, EpochKeys.MessageToSign("room-1", "call-7", "s-b", "s-a", Body));
        Assert.NotEqual(EpochKeys.MessageToSign("ab", "c", "f", "t", ""), EpochKeys.MessageToSign("a", "bc", "f", "t", ""));
        Assert.Equal([.. Ascii("Conclave e2ee message v1"), 0, 0, 0, 0, 0, 0, 0, 0, 0], EpochKeys.MessageToSign("", "", "", "", ""));
        Assert.NotEqual(EpochKeys.WrapInfo("r", "c", "f", "t", 0), EpochKeys.MessageToSign("r", "c", "f", "t", "\0\0\0\0\0\0\0\0"));
    }

    [Fact]
    public void Unpaired_surrogates_become_U_FFFD_as_TextEncoder_makes_them()
    {
        Assert.Equal(EpochKeys.SenderIndex("a\uFFFDb", SigningKey), EpochKeys.SenderIndex("a\uD800b", SigningKey));
        Assert.Equal(EpochKeys.WrapInfo("r", "c", "\uFFFD", "t", 0), EpochKeys.WrapInfo("r", "c", "\uDC00", "t", 0));
        Assert.Equal(EpochKeys.MessageToSign("r", "\uFFFD", "f", "t", "x\uFFFD"), EpochKeys.MessageToSign("r", "\uD800", "f", "t", "x\uDFFF"));
    }

    [Fact]
    public void Fresh_secrets_are_32_random_bytes()
    {
        byte[] a = EpochKeys.FreshSecret();
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, EpochKeys.FreshSecret());
    }

    [Fact]
    public void Misuse_throws()
    {
        Assert.Throws<ArgumentException>(() => EpochKeys.Ratchet(new byte[31]));
        Assert.Throws<ArgumentException>(() => EpochKeys.SenderKey(new byte[16], 0, "s", SigningKey));
        Assert.Throws<ArgumentException>(() => EpochKeys.SenderIndex("s", new byte[31]));
        Assert.Throws<ArgumentOutOfRangeException>(() => EpochKeys.SenderKey(Secret, -1, "s", SigningKey));
        Assert.Throws<ArgumentOutOfRangeException>(() => EpochKeys.WrapInfo("r", "c", "a", "b", -1));
        Assert.Throws<ArgumentException>(() => EpochKeys.WrapInfo(new string('x', 65_536), "c", "a", "b", 0));
        Assert.Throws<ArgumentException>(() => EpochKeys.SenderIndex(new string('é', 32_768), SigningKey));
        EpochKeys.WrapInfo(new string('x', 65_535), "c", "a", "b", 0);
        Assert.Throws<ArgumentException>(() => EpochKeys.MessageToSign("r", "c", new string('x', 65_536), "t", ""));
        Assert.Throws<ArgumentNullException>(() => EpochKeys.MessageToSign("r", "c", "f", "t", null!));
        Assert.Equal(25 + 4 * 3 + 100_000, EpochKeys.MessageToSign("r", "c", "f", "t", new string('x', 100_000)).Length);   // the body has no length cap
    }
}
