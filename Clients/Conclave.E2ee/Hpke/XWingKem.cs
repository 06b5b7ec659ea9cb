using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Conclave.E2ee.Hpke;

/*  draft-connolly-cfrg-xwing-kem-10 §5 (the same in -05 … -10)
      def expandDecapsulationKey(sk):
        expanded = SHAKE256(sk, 96)
        (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32], expanded[32:64])
        sk_X = expanded[64:96]
        pk_X = X25519(sk_X, X25519_BASE)
        return (sk_M, sk_X, pk_M, pk_X)               pk = concat(pk_M, pk_X): 1184 + 32 bytes

      def Combiner(ss_M, ss_X, ct_X, pk_X):
        return SHA3-256(concat(ss_M, ss_X, ct_X, pk_X, XWingLabel))      XWingLabel = 5c2e2f2f5e5c ("\./" "/^\")

      def EncapsulateDerand(pk, eseed):
        pk_M = pk[0:1184]; pk_X = pk[1184:1216]
        ek_X = eseed[32:64]
        ct_X = X25519(ek_X, X25519_BASE)
        ss_X = X25519(ek_X, pk_X)
        (ss_M, ct_M) = ML-KEM-768.EncapsDerand(pk_M, eseed[0:32])
        return Combiner(ss_M, ss_X, ct_X, pk_X), concat(ct_M, ct_X)     ct: 1088 + 32 bytes

      def Decapsulate(ct, sk):
        (sk_M, sk_X, pk_M, pk_X) = expandDecapsulationKey(sk)
        ss_M = ML-KEM-768.Decapsulate(ct[0:1088], sk_M)
        ss_X = X25519(sk_X, ct[1088:1120])
        return Combiner(ss_M, ss_X, ct_X, pk_X)
    §5.6: as an HPKE KEM, Encap is Encapsulate (an ML-KEM key-check failure is an EncapError) and Decap is
    Decapsulate; the shared secret is HPKE's shared_secret as is.                                              */
/// <summary>
/// X-Wing (draft-connolly-cfrg-xwing-kem-10 §5), on BouncyCastle's ML-KEM-768, X25519, SHAKE256 and SHA3-256.
/// X-Wing has no all-zero X25519 check: ML-KEM and the combiner's ct_X, pk_X carry its security (§6).
/// </summary>
internal static class XWingKem
{
    /// <summary>Nsk: the decapsulation key is a 32-byte seed (§5.1).</summary>
    public const int SeedLength = 32;

    /// <summary>Npk = 1184 (ML-KEM-768) + 32 (X25519).</summary>
    public const int PublicKeyLength = MlKemPublicKeyLength + X25519Length;

    /// <summary>Nenc = 1088 (ML-KEM-768) + 32 (X25519).</summary>
    public const int CiphertextLength = MlKemCiphertextLength + X25519Length;

    /// <summary>Nsecret.</summary>
    public const int SharedSecretLength = 32;

    /// <summary>eseed of EncapsulateDerand: m for ML-KEM (32) then ek_X (32) (§5.4.1).</summary>
    public const int EncapsulationSeedLength = 64;

    internal const int MlKemPublicKeyLength = 1184;
    private const int MlKemCiphertextLength = 1088;
    private const int MlKemSeedLength = 64;
    private const int X25519Length = 32;

    private static ReadOnlySpan<byte> Label => [0x5C, 0x2E, 0x2F, 0x2F, 0x5E, 0x5C];

    /// <summary>expandDecapsulationKey(seed) (§5.2): ML-KEM-768 and X25519 keys, and pk = pk_M || pk_X.</summary>
    public static XWingDecapsulationKey ExpandDecapsulationKey(ReadOnlySpan<byte> seed)
    {
        byte[] expanded = new byte[MlKemSeedLength + X25519Length];
        byte[] mlKemSeed = new byte[MlKemSeedLength];
        try
        {
            var shake = new ShakeDigest(256);
            shake.BlockUpdate(seed[..SeedLength]);
            shake.OutputFinal(expanded);
            expanded.AsSpan(0, MlKemSeedLength).CopyTo(mlKemSeed);                 // d || z
            var mlKem = MLKemPrivateKeyParameters.FromSeed(MLKemParameters.ml_kem_768, mlKemSeed);
            byte[] publicKey = new byte[PublicKeyLength];
            mlKem.GetPublicKeyEncoded().CopyTo(publicKey, 0);
            X25519.ScalarMultBase(expanded.AsSpan(MlKemSeedLength), publicKey.AsSpan(MlKemPublicKeyLength));
            return new XWingDecapsulationKey(mlKem, expanded.AsSpan(MlKemSeedLength), publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expanded);
            CryptographicOperations.ZeroMemory(mlKemSeed);
        }
    }

    /// <summary>
    /// EncapsulateDerand(pk, eseed) (§5.4.1). Encapsulate(pk) is this with eseed = random(64) (§5.4.1), which is
    /// how <see cref="HpkeBaseMode"/> calls it; fixed eseeds are for the vector tests.
    /// </summary>
    /// <returns>
    /// <see cref="HpkeStatus.InvalidPublicKey"/> when pk is not 1216 bytes or pk_M fails the ML-KEM modulus check
    /// (FIPS 203 §7.2: a coefficient ≥ q), an EncapError (§5.6).
    /// </returns>
    public static HpkeStatus EncapsulateDerand(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> eseed, Span<byte> sharedSecret, Span<byte> ciphertext)
    {
        if (publicKey.Length != PublicKeyLength) return HpkeStatus.InvalidPublicKey;
        MLKemPublicKeyParameters mlKemKey;
        try
        {
            mlKemKey = MLKemPublicKeyParameters.FromEncoding(MLKemParameters.ml_kem_768, publicKey[..MlKemPublicKeyLength].ToArray());
        }
        catch (ArgumentException)
        {
            return HpkeStatus.InvalidPublicKey;                       // FIPS 203 §7.2 encapsulation key check
        }

        ReadOnlySpan<byte> pkX = publicKey[MlKemPublicKeyLength..];
        Span<byte> ctX = ciphertext.Slice(MlKemCiphertextLength, X25519Length);
        Span<byte> ssM = stackalloc byte[SharedSecretLength];
        Span<byte> ssX = stackalloc byte[X25519Length];
        try
        {
            using (var m = new XWingEncapsulationRandom(eseed[..32]))
            {
                var encapsulator = new MLKemEncapsulator(MLKemParameters.ml_kem_768);
                encapsulator.Init(new ParametersWithRandom(mlKemKey, m));
                encapsulator.Encapsulate(ciphertext[..MlKemCiphertextLength], ssM);
            }
            ReadOnlySpan<byte> ekX = eseed.Slice(32, X25519Length);
            X25519.ScalarMultBase(ekX, ctX);
            X25519.ScalarMult(ekX, pkX, ssX);
            Combiner(ssM, ssX, ctX, pkX, sharedSecret);
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ssM);
            CryptographicOperations.ZeroMemory(ssX);
        }
    }

    /// <summary>
    /// Decapsulate(ct, sk) (§5.5) with the expanded key (§5.5.1). ML-KEM rejects implicitly, so a forged ct gives
    /// an unrelated secret and HPKE then fails to authenticate.
    /// </summary>
    /// <returns><see cref="HpkeStatus.InvalidEncapsulatedKey"/> when ct is not 1120 bytes.</returns>
    public static HpkeStatus Decapsulate(ReadOnlySpan<byte> ciphertext, XWingDecapsulationKey key, Span<byte> sharedSecret)
    {
        if (ciphertext.Length != CiphertextLength) return HpkeStatus.InvalidEncapsulatedKey;
        ReadOnlySpan<byte> ctX = ciphertext[MlKemCiphertextLength..];
        Span<byte> ssM = stackalloc byte[SharedSecretLength];
        Span<byte> ssX = stackalloc byte[X25519Length];
        try
        {
            var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
            decapsulator.Init(key.MlKemKey);
            decapsulator.Decapsulate(ciphertext[..MlKemCiphertextLength], ssM);
            key.X25519(ctX, ssX);
            Combiner(ssM, ssX, ctX, key.PublicKey[MlKemPublicKeyLength..], sharedSecret);
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ssM);
            CryptographicOperations.ZeroMemory(ssX);
        }
    }

    /// <summary>Combiner (§5.3): SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel).</summary>
    private static void Combiner(ReadOnlySpan<byte> ssM, ReadOnlySpan<byte> ssX, ReadOnlySpan<byte> ctX, ReadOnlySpan<byte> pkX, Span<byte> sharedSecret)
    {
        var sha3 = new Sha3Digest(256);
        sha3.BlockUpdate(ssM);
        sha3.BlockUpdate(ssX);
        sha3.BlockUpdate(ctX);
        sha3.BlockUpdate(pkX);
        sha3.BlockUpdate(Label);
        sha3.DoFinal(sharedSecret[..SharedSecretLength]);
    }
}
