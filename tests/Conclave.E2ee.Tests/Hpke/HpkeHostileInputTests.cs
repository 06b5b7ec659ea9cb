using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// Hostile or malformed peer input gives a status, never an exception (pion fuzz tests): wrong-length and
/// low-order enc values (RFC 9180 §7.1.4), invalid recipient public keys (§7.1.4; FIPS 203 §7.2 for X-Wing),
/// unsupported suites, and random bytes from a fixed seed.
/// </summary>
public sealed class HpkeHostileInputTests
{
    public static TheoryData<HpkeKemId> Kems => HpkeTestKeys.Kems;

    /// <summary>
    /// X25519 inputs whose shared secret with any clamped scalar is all zero (RFC 7748 §6.1): the small-order points
    /// 0, 1, the two of order 8, and non-canonical encodings of p - 1, p, p + 1 and of 0 with bit 255 set.
    /// </summary>
    public static TheoryData<string, string> LowOrderX25519 => new()
    {
        { "zero",                    "0000000000000000000000000000000000000000000000000000000000000000" },
        { "one",                     "0100000000000000000000000000000000000000000000000000000000000000" },
        { "order 8 (a)",             "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800" },
        { "order 8 (b)",             "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157" },
        { "p - 1",                   "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "p (non-canonical 0)",     "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "p + 1 (non-canonical 1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f" },
        { "zero with bit 255 set",   "0000000000000000000000000000000000000000000000000000000000000080" },
    };

    [Theory]
    [MemberData(nameof(Kems))]
    public void An_enc_of_the_wrong_length_is_refused(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());

        foreach (byte[] wrong in new[] { [], enc[..^1], [.. enc, 0], new byte[enc.Length * 2] })
        {
            Assert.Equal(HpkeStatus.InvalidEncapsulatedKey, HpkeBaseMode.Open(suite, recipient, wrong, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out byte[] pt));
            Assert.Empty(pt);
            Assert.Equal(HpkeStatus.InvalidEncapsulatedKey, HpkeBaseMode.SetupRecipient(suite, recipient, wrong, HpkeTestKeys.Info, out HpkeRecipientContext? context));
            Assert.Null(context);
        }
    }

    [Theory]
    [MemberData(nameof(LowOrderX25519))]
    public void A_low_order_X25519_enc_is_refused_as_an_all_zero_shared_secret(string name, string hex)
    {
        // RFC 9180 §7.1.4: "recipients MUST check whether the Diffie-Hellman shared secret is the all-zero value and abort".
        Assert.False(string.IsNullOrEmpty(name));
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);

        HpkeStatus status = HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, recipient, Convert.FromHexString(hex), HpkeTestKeys.Info, HpkeTestKeys.Aad, new byte[32], out byte[] pt);

        Assert.Equal(HpkeStatus.InvalidEncapsulatedKey, status);
        Assert.Empty(pt);
    }

    [Theory]
    [MemberData(nameof(LowOrderX25519))]
    public void Sealing_to_a_low_order_X25519_public_key_is_refused(string name, string hex)
    {
        // RFC 9180 §7.1.4: "the sender MUST validate the recipient's public key pkR".
        Assert.False(string.IsNullOrEmpty(name));

        HpkeStatus status = HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, Convert.FromHexString(hex), HpkeTestKeys.Info, HpkeTestKeys.Aad, HpkeTestKeys.BaseKey(), out byte[] enc, out byte[] ct);

        Assert.Equal(HpkeStatus.InvalidPublicKey, status);
        Assert.Empty(enc);
        Assert.Empty(ct);
    }

    [Fact]
    public void A_low_order_X_Wing_ct_X_is_not_special()
    {
        // X-Wing has no all-zero check (draft-connolly-cfrg-xwing-kem-10 §5.5): ML-KEM still binds the secret, so
        // a zeroed ct_X decapsulates to an unrelated secret and Open fails to authenticate.
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(HpkeKemId.XWing);
        var (enc, ct) = HpkeTestKeys.Seal(HpkeSuite.XWingSha256Aes128Gcm, recipient, HpkeTestKeys.BaseKey());
        enc.AsSpan(1088).Clear();

        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(HpkeSuite.XWingSha256Aes128Gcm, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_public_key_of_the_wrong_length_is_refused(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        byte[] pk = recipient.PublicKey.ToArray();

        foreach (byte[] wrong in new[] { [], pk[..^1], [.. pk, 0] })
        {
            Assert.Equal(HpkeStatus.InvalidPublicKey, HpkeBaseMode.Seal(suite, wrong, HpkeTestKeys.Info, HpkeTestKeys.Aad, HpkeTestKeys.BaseKey(), out byte[] enc, out _));
            Assert.Empty(enc);
            Assert.Equal(HpkeStatus.InvalidPublicKey, HpkeBaseMode.SetupSender(suite, wrong, HpkeTestKeys.Info, out enc, out HpkeSenderContext? context));
            Assert.Null(context);
        }
    }

    [Theory]
    [InlineData(3329, HpkeStatus.InvalidPublicKey)]             // q itself
    [InlineData(4095, HpkeStatus.InvalidPublicKey)]             // the largest 12-bit value
    [InlineData(3328, HpkeStatus.Ok)]                           // q - 1 is a valid coefficient
    public void An_ML_KEM_public_key_coefficient_of_q_or_more_is_refused(int coefficient, HpkeStatus expected)
    {
        // FIPS 203 §7.2 encapsulation key check (ByteEncode12(ByteDecode12(ek)) == ek); X-Wing §5.6: an EncapError.
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(HpkeKemId.XWing);
        byte[] pk = recipient.PublicKey.ToArray();
        pk[0] = (byte)coefficient;                                   // coefficient 0 = pk[0] | (pk[1] & 0x0F) << 8
        pk[1] = (byte)((pk[1] & 0xF0) | (coefficient >> 8));

        HpkeStatus status = HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, pk, HpkeTestKeys.Info, HpkeTestKeys.Aad, HpkeTestKeys.BaseKey(), out byte[] enc, out _);

        Assert.Equal(expected, status);
        Assert.Equal(expected == HpkeStatus.Ok ? 1120 : 0, enc.Length);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Random_enc_bytes_of_the_right_length_fail_to_authenticate(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var (_, ct) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());

        for (int i = 0; i < 50; i++)
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, recipient, HpkeTestKeys.Bytes(suite.EncapsulatedKeyLength, 100 + i), HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Random_inputs_never_throw_and_never_open(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        var random = new Random(0x4850 + (int)kem);
        var seen = new HashSet<HpkeStatus>();

        for (int i = 0; i < 2_000; i++)
        {
            // Half the enc values have the right length, so the KEM and the AEAD both see random bytes.
            int encLength = random.Next(2) == 0 ? suite.EncapsulatedKeyLength : random.Next(suite.EncapsulatedKeyLength * 2);
            byte[] enc = new byte[encLength], ct = new byte[random.Next(64)], aad = new byte[random.Next(8)];
            random.NextBytes(enc);
            random.NextBytes(ct);
            random.NextBytes(aad);

            HpkeStatus status = HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, aad, ct, out byte[] pt);

            Assert.NotEqual(HpkeStatus.Ok, status);
            Assert.Empty(pt);
            seen.Add(status);
        }
        Assert.Superset(new HashSet<HpkeStatus> { HpkeStatus.InvalidEncapsulatedKey, HpkeStatus.AuthenticationFailed, HpkeStatus.CiphertextTooShort }, seen);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Random_public_keys_never_throw(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        var random = new Random(0x504B + (int)kem);
        for (int i = 0; i < 300; i++)
        {
            byte[] pk = new byte[random.Next(2) == 0 ? suite.PublicKeyLength : random.Next(suite.PublicKeyLength * 2)];
            random.NextBytes(pk);
            HpkeStatus status = HpkeBaseMode.Seal(suite, pk, [], [], HpkeTestKeys.BaseKey(), out _, out _);
            Assert.True(status is HpkeStatus.Ok or HpkeStatus.InvalidPublicKey, status.ToString());
        }
    }

    public static TheoryData<string, ushort, ushort, ushort> Unsupported => new()
    {
        { "DHKEM(P-256)",           0x0010, 0x0001, 0x0001 },
        { "reserved KEM 0",         0x0000, 0x0001, 0x0001 },
        { "HKDF-SHA384",            0x0020, 0x0002, 0x0001 },
        { "AES-256-GCM",            0x0020, 0x0001, 0x0002 },
        { "export-only AEAD",       0x647A, 0x0001, 0xFFFF },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void Unsupported_suites_give_a_status(string name, ushort kem, ushort kdf, ushort aead)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var suite = new HpkeSuite((HpkeKemId)kem, (HpkeKdfId)kdf, (HpkeAeadId)aead);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);

        Assert.False(suite.IsSupported);
        Assert.Equal(HpkeStatus.UnsupportedSuite, HpkeBaseMode.Seal(suite, recipient.PublicKey, [], [], [1, 2, 3], out _, out _));
        Assert.Equal(HpkeStatus.UnsupportedSuite, HpkeBaseMode.Open(suite, recipient, new byte[32], [], [], new byte[32], out _));
        Assert.Equal(HpkeStatus.UnsupportedSuite, HpkeBaseMode.Open(suite, recipient, new byte[32], [], [], new byte[3], out _));
    }

    [Fact]
    public void A_recipient_key_for_another_KEM_is_a_mismatch()
    {
        using HpkeKeyPair x25519 = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);
        using HpkeKeyPair xWing = HpkeKeyPair.Generate(HpkeKemId.XWing);
        var (enc, ct) = HpkeTestKeys.Seal(HpkeSuite.XWingSha256Aes128Gcm, xWing, HpkeTestKeys.BaseKey());

        Assert.Equal(HpkeStatus.KemMismatch, HpkeBaseMode.Open(HpkeSuite.XWingSha256Aes128Gcm, x25519, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out _));
        Assert.Equal(HpkeStatus.InvalidPublicKey, HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, x25519.PublicKey, [], [], [1], out _, out _));
    }

    [Fact]
    public void Info_beyond_a_one_stage_KDF_limit_is_refused()
    {
        // draft-ietf-hpke-hpke §7.2.1: lengthPrefixed(info) caps info at 65535 bytes for one-stage KDFs.
        var suite = new HpkeSuite(HpkeKemId.DhKemX25519HkdfSha256, HpkeKdfId.Shake256, HpkeAeadId.Aes128Gcm);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);

        Assert.Equal(HpkeStatus.InputTooLong, HpkeBaseMode.Seal(suite, recipient.PublicKey, new byte[65_536], [], [1], out _, out _));
        Assert.Equal(HpkeStatus.InputTooLong, HpkeBaseMode.Open(suite, recipient, new byte[32], new byte[65_536], [], new byte[17], out _));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, recipient.PublicKey, new byte[65_535], [], [1], out _, out _));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, recipient.PublicKey, new byte[65_536], [], [1], out _, out _));
    }
}
