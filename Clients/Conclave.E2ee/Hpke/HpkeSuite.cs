using System.Buffers.Binary;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// An HPKE ciphersuite: the (KEM, KDF, AEAD) triple of RFC 9180 §5.1. Holds identifiers only, no key material.
/// </summary>
/// <param name="Kem">The key encapsulation mechanism (RFC 9180 §7.1).</param>
/// <param name="Kdf">The key derivation function of the key schedule (RFC 9180 §7.2).</param>
/// <param name="Aead">The AEAD that seals the payload (RFC 9180 §7.3).</param>
public readonly record struct HpkeSuite(HpkeKemId Kem, HpkeKdfId Kdf, HpkeAeadId Aead)
{
    /// <summary>Length of suite_id: "HPKE" || kem_id || kdf_id || aead_id (RFC 9180 §5.1).</summary>
    internal const int SuiteIdLength = 10;

    /// <summary>DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM: the suite of RFC 9180 App. A.1.</summary>
    public static HpkeSuite X25519Sha256Aes128Gcm =>
        new(HpkeKemId.DhKemX25519HkdfSha256, HpkeKdfId.HkdfSha256, HpkeAeadId.Aes128Gcm);

    /// <summary>X-Wing, HKDF-SHA256, AES-128-GCM: Conclave's post-quantum hybrid suite for wrapping media keys.</summary>
    public static HpkeSuite XWingSha256Aes128Gcm =>
        new(HpkeKemId.XWing, HpkeKdfId.HkdfSha256, HpkeAeadId.Aes128Gcm);

    /// <summary>Whether this library implements all three algorithms and the platform provides the AEAD.</summary>
    public bool IsSupported => Kem.IsSupported() && Kdf.IsSupported() && Aead.IsSupported();

    /// <summary>Nenc: the size of enc (0 if the KEM is unsupported).</summary>
    public int EncapsulatedKeyLength => Kem.EncapsulatedKeyLength();

    /// <summary>Npk: the size of a serialised recipient public key (0 if the KEM is unsupported).</summary>
    public int PublicKeyLength => Kem.PublicKeyLength();

    /// <summary>Nt: the AEAD tag size, which every ciphertext adds to its plaintext.</summary>
    public int TagLength => HpkeAlgorithms.TagLength;

    /// <summary>The ciphertext size for a plaintext of <paramref name="plaintextLength"/> bytes (plaintext + Nt).</summary>
    public int GetCiphertextLength(int plaintextLength) => plaintextLength + HpkeAlgorithms.TagLength;

    /// <summary>The plaintext size inside a ciphertext of <paramref name="ciphertextLength"/> bytes (0 if shorter than Nt).</summary>
    public int GetPlaintextLength(int ciphertextLength) => Math.Max(0, ciphertextLength - HpkeAlgorithms.TagLength);

    /// <summary>Writes suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2)) (RFC 9180 §5.1).</summary>
    internal void WriteSuiteId(Span<byte> destination)
    {
        "HPKE"u8.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)Kem);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Kdf);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], (ushort)Aead);
    }
}
