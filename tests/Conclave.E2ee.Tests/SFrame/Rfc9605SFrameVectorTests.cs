using System.Text.Json;
using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// RFC 9605 App. C.3 "SFrame Encryption/Decryption", for all five suites: the key schedule intermediates of §4.4.2
/// (labels, sframe_secret, sframe_key, sframe_salt), the nonce and AAD of §4.4.3, then encrypt == ct and
/// decrypt == pt through <see cref="SFrameSender"/> and <see cref="SFrameReceiver"/>.
/// </summary>
public sealed class Rfc9605SFrameVectorTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    [Fact]
    public void The_vector_file_holds_one_vector_per_suite() => Assert.Equal(5, SFrameVectors.Count("sframe"));

    [Theory]
    [MemberData(nameof(Suites))]
    public void Key_and_salt_labels_are_the_prefix_then_kid_and_suite_big_endian(SFrameCipherSuite suite)
    {
        // RFC 9605 §4.4.2: "SFrame 1.0 Secret key " + KID (8 bytes BE) + cipher_suite (2 bytes BE), likewise "salt ".
        JsonElement v = SFrameVectors.For("sframe", suite);
        ulong kid = v.UInt64("kid");
        byte[] label = new byte[SFrameKeyDerivation.MaxLabelLength];

        int n = SFrameKeyDerivation.WriteKeyLabel(suite, kid, label);
        Assert.Equal(v.Hex("sframe_key_label"), label[..n]);

        n = SFrameKeyDerivation.WriteSaltLabel(suite, kid, label);
        Assert.Equal(v.Hex("sframe_salt_label"), label[..n]);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Secret_key_and_salt_match_the_vector(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("sframe", suite);
        byte[] secret = new byte[suite.HashLength()], key = new byte[suite.KeyLength()], salt = new byte[suite.NonceLength()];

        SFrameKeyDerivation.DeriveSecret(suite, v.Hex("base_key"), secret);
        SFrameKeyDerivation.DeriveKeyAndSalt(suite, v.UInt64("kid"), v.Hex("base_key"), key, salt);

        Assert.Equal(v.Hex("sframe_secret"), secret);
        Assert.Equal(v.Hex("sframe_key"), key);
        Assert.Equal(v.Hex("sframe_salt"), salt);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Nonce_is_the_salt_xor_the_counter(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("sframe", suite);
        using SFrameKey key = SFrameKey.Derive(suite, new SFrameKeyId(v.UInt64("kid")), v.Hex("base_key"));
        byte[] nonce = new byte[suite.NonceLength()];

        key.WriteNonce(v.UInt64("ctr"), nonce);

        Assert.Equal(v.Hex("nonce"), nonce);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_gives_the_vector_ciphertext(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("sframe", suite);
        byte[] pt = v.Hex("pt"), metadata = v.Hex("metadata"), ct = v.Hex("ct");
        using var sender = new SFrameSender(suite);
        sender.SetKey(new SFrameKeyId(v.UInt64("kid")), v.Hex("base_key"), firstCounter: v.UInt64("ctr"));
        byte[] buffer = new byte[sender.GetCiphertextLength(pt.Length)];

        Assert.Equal(SFrameStatus.Ok, sender.Encrypt(pt, metadata, buffer, out int written));

        Assert.Equal(ct, buffer[..written]);
        // The vector's AAD is exactly the header we wrote followed by the metadata.
        byte[] aad = [.. buffer[..(written - pt.Length - suite.TagLength())], .. metadata];
        Assert.Equal(v.Hex("aad"), aad);
        Assert.Equal(v.UInt64("ctr") + 1, sender.NextCounter);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_gives_the_vector_plaintext(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("sframe", suite);
        byte[] ct = v.Hex("ct"), pt = v.Hex("pt");
        using var receiver = new SFrameReceiver(suite);
        receiver.AddKey(new SFrameKeyId(v.UInt64("kid")), v.Hex("base_key"));
        byte[] plaintext = new byte[receiver.GetMaxPlaintextLength(ct.Length)];

        Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ct, v.Hex("metadata"), plaintext, out int written, out SFrameHeader header));

        Assert.Equal(pt, plaintext[..written]);
        Assert.Equal((v.UInt64("kid"), v.UInt64("ctr")), (header.KeyId, header.Counter));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_without_the_vector_metadata_fails(SFrameCipherSuite suite)
    {
        // RFC 9605 §4.4.3: the metadata is part of the AAD.
        JsonElement v = SFrameVectors.For("sframe", suite);
        byte[] ct = v.Hex("ct");
        using var receiver = new SFrameReceiver(suite);
        receiver.AddKey(new SFrameKeyId(v.UInt64("kid")), v.Hex("base_key"));
        byte[] plaintext = new byte[ct.Length];

        Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ct, [], plaintext, out int written));

        Assert.Equal(0, written);
        Assert.All(plaintext, b => Assert.Equal(0, b));
    }
}
