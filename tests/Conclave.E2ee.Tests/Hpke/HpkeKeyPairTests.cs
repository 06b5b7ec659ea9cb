using Conclave.E2ee.Hpke;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>Device key pairs: generation, (de)serialisation (RFC 9180 §7.1.2; X-Wing §5.6) and hygiene.</summary>
public sealed class HpkeKeyPairTests
{
    public static TheoryData<HpkeKemId> Kems => HpkeTestKeys.Kems;

    [Theory]
    [MemberData(nameof(Kems))]
    public void Generated_keys_have_the_KEM_sizes_and_differ(HpkeKemId kem)
    {
        using HpkeKeyPair a = HpkeKeyPair.Generate(kem);
        using HpkeKeyPair b = HpkeKeyPair.Generate(kem);

        Assert.Equal(kem, a.Kem);
        Assert.Equal(HpkeTestKeys.ConclaveSuite(kem).PublicKeyLength, a.PublicKey.Length);
        Assert.Equal(32, a.ExportPrivateKey().Length);
        Assert.NotEqual(a.PublicKey.ToArray(), b.PublicKey.ToArray());
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void ToString_names_the_KEM_and_no_key_bytes(HpkeKemId kem)
    {
        using HpkeKeyPair keyPair = HpkeKeyPair.Generate(kem);
        string text = keyPair.ToString();

        Assert.Equal($"HpkeKeyPair {{ Kem = {kem} }}", text);
        Assert.DoesNotContain(Convert.ToHexString(keyPair.ExportPrivateKey()[..4]), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(keyPair.ExportPrivateKey())[..6], text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_private_key_reloads_to_the_same_public_key(HpkeKemId kem)
    {
        using HpkeKeyPair original = HpkeKeyPair.Generate(kem);
        using HpkeKeyPair reloaded = HpkeKeyPair.FromPrivateKey(kem, original.ExportPrivateKey());

        Assert.Equal(original.PublicKey.ToArray(), reloaded.PublicKey.ToArray());
        Assert.Equal(original.ExportPrivateKey(), reloaded.ExportPrivateKey());
    }

    [Fact]
    public void X25519_private_keys_are_clamped_on_import()
    {
        // RFC 9180 §7.1.2: DeserializePrivateKey MUST clamp its input (RFC 7748 §5 decodeScalar25519).
        byte[] raw = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        byte[] clamped = (byte[])raw.Clone();
        X25519.ClampPrivateKey(clamped);
        using HpkeKeyPair keyPair = HpkeKeyPair.FromPrivateKey(HpkeKemId.DhKemX25519HkdfSha256, raw);

        Assert.Equal(clamped, keyPair.ExportPrivateKey());
        Assert.Equal(0xF8, clamped[0]);
        Assert.Equal(0x7F, clamped[31]);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_private_key_of_the_wrong_length_is_a_caller_error(HpkeKemId kem)
    {
        Assert.Throws<ArgumentException>(() => HpkeKeyPair.FromPrivateKey(kem, new byte[31]));
        Assert.Throws<ArgumentException>(() => HpkeKeyPair.FromPrivateKey(kem, new byte[64]));
    }

    [Fact]
    public void DeriveKeyPair_is_offered_for_X25519_only()
    {
        using HpkeKeyPair derived = HpkeKeyPair.DeriveKeyPair(HpkeKemId.DhKemX25519HkdfSha256, new byte[32]);
        using HpkeKeyPair again = HpkeKeyPair.DeriveKeyPair(HpkeKemId.DhKemX25519HkdfSha256, new byte[32]);

        Assert.Equal(derived.PublicKey.ToArray(), again.PublicKey.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => HpkeKeyPair.DeriveKeyPair(HpkeKemId.XWing, new byte[32]));
        Assert.Throws<ArgumentException>(() => HpkeKeyPair.DeriveKeyPair(HpkeKemId.DhKemX25519HkdfSha256, new byte[31]));
        Assert.Throws<ArgumentOutOfRangeException>(() => HpkeKeyPair.Generate((HpkeKemId)0x0010));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_disposed_key_pair_cannot_export_or_open(HpkeKemId kem)
    {
        HpkeKeyPair keyPair = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(HpkeTestKeys.ConclaveSuite(kem), keyPair, [1, 2, 3]);
        keyPair.Dispose();
        keyPair.Dispose();                                           // idempotent

        Assert.Throws<ObjectDisposedException>(() => keyPair.ExportPrivateKey());
        Assert.Throws<ObjectDisposedException>(() => HpkeBaseMode.Open(HpkeTestKeys.ConclaveSuite(kem), keyPair, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
    }
}
