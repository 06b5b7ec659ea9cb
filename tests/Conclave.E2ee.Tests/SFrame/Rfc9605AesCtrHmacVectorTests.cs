using System.Text.Json;
using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// RFC 9605 App. C.2 "AEAD Encryption/Decryption Using AES-CTR and HMAC": AEAD.Encrypt(key, nonce, aad, pt) == ct
/// for suites 0x0001–0x0003, with the §4.5.1 construction (derive_subkeys, AES-CTR, truncated HMAC tag).
/// </summary>
public sealed class Rfc9605AesCtrHmacVectorTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.CtrSuites;

    [Fact]
    public void The_vector_file_holds_one_vector_per_ctr_suite() => Assert.Equal(3, SFrameVectors.Count("aes_ctr_hmac"));

    [Theory]
    [MemberData(nameof(Suites))]
    public void Subkeys_split_the_key_into_enc_key_and_auth_key(SFrameCipherSuite suite)
    {
        // RFC 9605 §4.5.1 derive_subkeys: enc_key = key[..Nka], auth_key = key[Nka..]; checked against the
        // vector's intermediates so the vector's key layout is the one the AEAD is built on.
        JsonElement v = SFrameVectors.For("aes_ctr_hmac", suite);
        byte[] key = v.Hex("key");
        Assert.Equal(suite.KeyLength(), key.Length);
        Assert.Equal(v.Hex("enc_key"), key[..suite.AesKeyLength()]);
        Assert.Equal(v.Hex("auth_key"), key[suite.AesKeyLength()..]);
        Assert.Equal(suite.HashLength(), v.Hex("auth_key").Length);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_gives_the_vector_ciphertext_and_tag(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("aes_ctr_hmac", suite);
        byte[] pt = v.Hex("pt"), ct = v.Hex("ct");
        using SFrameAead aead = SFrameAead.Create(suite, v.Hex("key"));
        byte[] data = (byte[])pt.Clone();
        byte[] tag = new byte[aead.TagLength];

        aead.Seal(v.Hex("nonce"), v.Hex("aad"), [], data, tag);

        Assert.Equal(ct, Concat(data, tag));
        Assert.Equal(suite.TagLength(), ct.Length - pt.Length);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_gives_the_vector_plaintext(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("aes_ctr_hmac", suite);
        byte[] ct = v.Hex("ct");
        int nt = suite.TagLength();
        using SFrameAead aead = SFrameAead.Create(suite, v.Hex("key"));
        byte[] data = ct[..^nt];

        Assert.True(aead.Open(v.Hex("nonce"), v.Hex("aad"), [], data, ct[^nt..]));

        Assert.Equal(v.Hex("pt"), data);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Aad_split_between_header_and_metadata_gives_the_same_tag(SFrameCipherSuite suite)
    {
        // The AAD is header || metadata (§4.4.3); where it is split must not matter.
        JsonElement v = SFrameVectors.For("aes_ctr_hmac", suite);
        byte[] aad = v.Hex("aad"), ct = v.Hex("ct");
        using SFrameAead aead = SFrameAead.Create(suite, v.Hex("key"));
        for (int split = 0; split <= aad.Length; split++)
        {
            byte[] data = v.Hex("pt");
            byte[] tag = new byte[aead.TagLength];
            aead.Seal(v.Hex("nonce"), aad[..split], aad[split..], data, tag);
            Assert.Equal(ct, Concat(data, tag));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_flipped_bit_anywhere_fails_and_leaves_no_plaintext(SFrameCipherSuite suite)
    {
        JsonElement v = SFrameVectors.For("aes_ctr_hmac", suite);
        byte[] nonce = v.Hex("nonce"), aad = v.Hex("aad"), ct = v.Hex("ct");
        int nt = suite.TagLength();
        using SFrameAead aead = SFrameAead.Create(suite, v.Hex("key"));

        for (int bit = 0; bit < (nonce.Length + aad.Length + ct.Length) * 8; bit++)
        {
            byte[] n = (byte[])nonce.Clone(), a = (byte[])aad.Clone(), c = (byte[])ct.Clone();
            int i = bit / 8;
            if (i < n.Length) n[i] ^= (byte)(1 << (bit % 8));
            else if ((i -= n.Length) < a.Length) a[i] ^= (byte)(1 << (bit % 8));
            else c[i - a.Length] ^= (byte)(1 << (bit % 8));
            byte[] data = c[..^nt];

            Assert.False(aead.Open(n, a, [], data, c[^nt..]));
            Assert.Equal(c[..^nt], data);                                // RFC 9605 §4.5.1: MAC checked before decrypting
        }
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second];
}
