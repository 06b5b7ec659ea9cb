using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Conclave.E2ee.Hpke;

/*  RFC 9180 §4.1 DHKEM(X25519, HKDF-SHA256), kem_id 0x0020, suite_id = concat("KEM", I2OSP(0x0020, 2))
      def ExtractAndExpand(dh, kem_context):
        eae_prk = LabeledExtract("", "eae_prk", dh)
        shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
        return shared_secret

      def Encap(pkR):
        skE, pkE = GenerateKeyPair()
        dh = DH(skE, pkR)
        enc = SerializePublicKey(pkE)
        pkRm = SerializePublicKey(pkR)
        kem_context = concat(enc, pkRm)
        shared_secret = ExtractAndExpand(dh, kem_context)
        return shared_secret, enc

      def Decap(enc, skR):
        pkE = DeserializePublicKey(enc)
        dh = DH(skR, pkE)
        pkRm = SerializePublicKey(pk(skR))
        kem_context = concat(enc, pkRm)
        shared_secret = ExtractAndExpand(dh, kem_context)
        return shared_secret

    §7.1.3 DeriveKeyPair(ikm):
        dkp_prk = LabeledExtract("", "dkp_prk", ikm)
        sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
        return (sk, pk(sk))
    X25519 keys are their 32-byte strings (§7.1.1); the Diffie-Hellman function is RFC 7748 §5.                  */
/// <summary>
/// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, §7.1), with X25519 from BouncyCastle (.NET has none) and HKDF from
/// .NET. Its KDF is always HKDF-SHA256, whatever the suite's KDF (§4.1). Secrets are wiped from the stack.
/// </summary>
internal static class DhKemX25519
{
    /// <summary>Nsecret = Nenc = Npk = Nsk = Ndh = 32 (RFC 9180 §7.1).</summary>
    public const int Length = 32;

    /// <summary>concat("KEM", I2OSP(0x0020, 2)) (RFC 9180 §4.1).</summary>
    private static ReadOnlySpan<byte> SuiteId => [(byte)'K', (byte)'E', (byte)'M', 0x00, 0x20];

    /// <summary>
    /// DeriveKeyPair(ikm) (RFC 9180 §7.1.3): sk exactly as LabeledExpand outputs it (the vectors' skXm, unclamped)
    /// and pk = X25519(sk, 9).
    /// </summary>
    public static void DeriveKeyPair(ReadOnlySpan<byte> ikm, Span<byte> privateKey, Span<byte> publicKey)
    {
        Span<byte> prk = stackalloc byte[HpkeLabeledKdf.Sha256Length];
        try
        {
            HpkeLabeledKdf.LabeledExtract(SuiteId, [], "dkp_prk"u8, ikm, prk);
            HpkeLabeledKdf.LabeledExpand(SuiteId, prk, "sk"u8, [], privateKey[..Length]);
            X25519.ScalarMultBase(privateKey[..Length], publicKey[..Length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    /// <summary>
    /// DeserializePrivateKey (RFC 9180 §7.1.2: clamp the input, RFC 7748 §5 decodeScalar25519) and pk(sk).
    /// </summary>
    public static void ImportPrivateKey(ReadOnlySpan<byte> privateKey, Span<byte> clamped, Span<byte> publicKey)
    {
        privateKey[..Length].CopyTo(clamped);
        X25519.ClampPrivateKey(clamped[..Length]);
        X25519.ScalarMultBase(clamped[..Length], publicKey[..Length]);
    }

    /// <summary>
    /// Encap(pkR) (RFC 9180 §4.1) with the ephemeral key pair DeriveKeyPair(<paramref name="ikmE"/>) (§4: GenerateKeyPair
    /// is DeriveKeyPair(random(Nsk))); writes Nsecret bytes of shared secret and Nenc bytes of enc.
    /// </summary>
    /// <returns><see cref="HpkeStatus.InvalidPublicKey"/> when pkR is not 32 bytes or DH(skE, pkR) is all zero (§7.1.4).</returns>
    public static HpkeStatus Encap(ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> ikmE, Span<byte> sharedSecret, Span<byte> enc)
    {
        if (recipientPublicKey.Length != Length) return HpkeStatus.InvalidPublicKey;
        Span<byte> ephemeral = stackalloc byte[Length];
        Span<byte> dh = stackalloc byte[Length];
        try
        {
            DeriveKeyPair(ikmE, ephemeral, enc);
            // RFC 9180 §7.1.4: the sender validates pkR; for X25519 that is rejecting an all-zero DH output (RFC 7748 §6.1).
            if (!X25519.CalculateAgreement(ephemeral, recipientPublicKey, dh)) return HpkeStatus.InvalidPublicKey;
            ExtractAndExpand(dh, enc[..Length], recipientPublicKey, sharedSecret);
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeral);
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>Decap(enc, skR) (RFC 9180 §4.1): Nsecret bytes of shared secret from a clamped skR and its pkR.</summary>
    /// <returns><see cref="HpkeStatus.InvalidEncapsulatedKey"/> when enc is not 32 bytes or DH(skR, pkE) is all zero (§7.1.4).</returns>
    public static HpkeStatus Decap(ReadOnlySpan<byte> enc, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> publicKey, Span<byte> sharedSecret)
    {
        if (enc.Length != Length) return HpkeStatus.InvalidEncapsulatedKey;
        Span<byte> dh = stackalloc byte[Length];
        try
        {
            // RFC 9180 §7.1.4: "recipients MUST check whether the Diffie-Hellman shared secret is the all-zero value
            // and abort if so" (a low-order pkE).
            if (!X25519.CalculateAgreement(privateKey, enc, dh)) return HpkeStatus.InvalidEncapsulatedKey;
            ExtractAndExpand(dh, enc, publicKey, sharedSecret);
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dh);
        }
    }

    /// <summary>ExtractAndExpand(dh, kem_context = enc || pkRm) (RFC 9180 §4.1).</summary>
    private static void ExtractAndExpand(ReadOnlySpan<byte> dh, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> recipientPublicKey, Span<byte> sharedSecret)
    {
        Span<byte> prk = stackalloc byte[HpkeLabeledKdf.Sha256Length];
        Span<byte> kemContext = stackalloc byte[2 * Length];
        try
        {
            enc.CopyTo(kemContext);
            recipientPublicKey.CopyTo(kemContext[Length..]);
            HpkeLabeledKdf.LabeledExtract(SuiteId, [], "eae_prk"u8, dh, prk);
            HpkeLabeledKdf.LabeledExpand(SuiteId, prk, "shared_secret"u8, kemContext, sharedSecret[..Length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }
}
