using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// Any change to enc, ciphertext, aad or info, or the wrong recipient key, makes Open fail (RFC 9180 §5.2 OpenError)
/// with nothing returned. enc and info enter the key schedule, so their tampering shows as an AEAD failure.
/// </summary>
public sealed class HpkeTamperTests
{
    public static TheoryData<HpkeKemId> Kems => HpkeTestKeys.Kems;

    [Theory]
    [MemberData(nameof(Kems))]
    public void Every_flipped_enc_byte_fails_to_authenticate(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());
        // X25519: all 32 bytes, including bit 255 which X25519 itself ignores (RFC 7748 §5) but kem_context does not.
        // X-Wing: a spread over ct_M (ML-KEM implicit rejection) and all of ct_X.
        int step = kem == HpkeKemId.XWing ? 37 : 1;
        for (int i = 0; i < enc.Length; i += i >= enc.Length - 32 ? 1 : step)
        {
            byte[] tampered = (byte[])enc.Clone();
            tampered[i] ^= i == enc.Length - 1 ? (byte)0x80 : (byte)0x01;
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, tampered, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out byte[] pt));
            Assert.Empty(pt);
        }
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Every_flipped_ciphertext_bit_fails_to_authenticate(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());
        for (int bit = 0; bit < ct.Length * 8; bit += 3)
        {
            byte[] tampered = (byte[])ct.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, tampered, out byte[] pt));
            Assert.Empty(pt);
        }
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_truncated_or_extended_ciphertext_fails(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());

        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct[..^1], out _));
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, [.. ct, 0], out _));
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct[..16], out _));
        Assert.Equal(HpkeStatus.CiphertextTooShort, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct[..15], out _));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_different_aad_fails(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());
        byte[] aad = HpkeTestKeys.Aad;
        aad[^1] ^= 0x01;

        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, aad, ct, out _));
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, [], ct, out _));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_different_info_fails(HpkeKemId kem)
    {
        // RFC 9180 §5.1: info enters key_schedule_context, so every derived key differs.
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());
        byte[] info = HpkeTestKeys.Info;
        info[0] ^= 0x01;

        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, info, HpkeTestKeys.Aad, ct, out _));
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, enc, [], HpkeTestKeys.Aad, ct, out _));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_different_suite_or_key_fails(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        using HpkeKeyPair someoneElse = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());

        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, someoneElse, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
        // Same KEM and AEAD, other KDF: suite_id enters every label (§5.1).
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite with { Kdf = HpkeKdfId.Shake256 }, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
    }
}
