using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// The constants of each KEM, KDF and AEAD this library implements, in bytes (RFC 9180 §7.1-7.3; X-Wing §7;
/// draft-ietf-hpke-hpke §7.2 for SHAKE256). 0 means unsupported.
/// <code>
///   KEM                         Nsecret  Nenc  Npk   Nsk      KDF          Nh      AEAD              Nk  Nn  Nt
///   DHKEM(X25519, HKDF-SHA256)  32       32    32    32       HKDF-SHA256  32      AES-128-GCM       16  12  16
///   X-Wing                      32       1120  1216  32       SHAKE256     64      ChaCha20Poly1305  32  12  16
/// </code>
/// </summary>
internal static class HpkeAlgorithms
{
    /// <summary>Nn for every AEAD here.</summary>
    public const int NonceLength = 12;

    /// <summary>Nt for every AEAD here.</summary>
    public const int TagLength = 16;

    /// <summary>The largest Nh here (SHAKE256), for stack buffers.</summary>
    public const int MaxHashLength = 64;

    /// <summary>The largest Nk here (ChaCha20Poly1305), for stack buffers.</summary>
    public const int MaxKeyLength = 32;

    public static bool IsSupported(this HpkeKemId kem) => kem is HpkeKemId.DhKemX25519HkdfSha256 or HpkeKemId.XWing;

    /// <summary>Nsecret: the KEM shared secret size.</summary>
    public static int SecretLength(this HpkeKemId kem) => kem.IsSupported() ? 32 : 0;

    /// <summary>Nenc: the encapsulated key size.</summary>
    public static int EncapsulatedKeyLength(this HpkeKemId kem) => kem switch
    {
        HpkeKemId.DhKemX25519HkdfSha256 => DhKemX25519.Length,
        HpkeKemId.XWing => XWingKem.CiphertextLength,
        _ => 0,
    };

    /// <summary>Npk: the serialised public key size.</summary>
    public static int PublicKeyLength(this HpkeKemId kem) => kem switch
    {
        HpkeKemId.DhKemX25519HkdfSha256 => DhKemX25519.Length,
        HpkeKemId.XWing => XWingKem.PublicKeyLength,
        _ => 0,
    };

    /// <summary>Nsk: the serialised private key size (X-Wing: the 32-byte seed).</summary>
    public static int PrivateKeyLength(this HpkeKemId kem) => kem.IsSupported() ? 32 : 0;

    /// <summary>Random bytes one Encap consumes: ikmE for DHKEM (Nsk), eseed for X-Wing (64, X-Wing §5.4.1).</summary>
    public static int EncapRandomnessLength(this HpkeKemId kem) => kem switch
    {
        HpkeKemId.DhKemX25519HkdfSha256 => DhKemX25519.Length,
        HpkeKemId.XWing => XWingKem.EncapsulationSeedLength,
        _ => 0,
    };

    public static bool IsSupported(this HpkeKdfId kdf) => kdf is HpkeKdfId.HkdfSha256 or HpkeKdfId.Shake256;

    /// <summary>True for a one-stage KDF (LabeledDerive); false for HKDF's Extract/Expand.</summary>
    public static bool IsOneStage(this HpkeKdfId kdf) => kdf == HpkeKdfId.Shake256;

    /// <summary>Nh: the exporter_secret size.</summary>
    public static int HashLength(this HpkeKdfId kdf) => kdf switch
    {
        HpkeKdfId.HkdfSha256 => 32,
        HpkeKdfId.Shake256 => 64,
        _ => 0,
    };

    /// <summary>The largest export length L (RFC 9180 §5.3: 255 * Nh for HKDF; I2OSP(L, 2) for one-stage KDFs).</summary>
    public static int MaxExportLength(this HpkeKdfId kdf) => kdf.IsOneStage() ? ushort.MaxValue : 255 * kdf.HashLength();

    public static bool IsSupported(this HpkeAeadId aead) => aead switch
    {
        HpkeAeadId.Aes128Gcm => AesGcm.IsSupported,
        HpkeAeadId.ChaCha20Poly1305 => ChaCha20Poly1305.IsSupported,
        _ => false,
    };

    /// <summary>Nk: the AEAD key size.</summary>
    public static int KeyLength(this HpkeAeadId aead) => aead switch
    {
        HpkeAeadId.Aes128Gcm => 16,
        HpkeAeadId.ChaCha20Poly1305 => 32,
        _ => 0,
    };
}
