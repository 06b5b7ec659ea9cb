namespace Conclave.E2ee.Hpke;

/// <summary>
/// Outcome of an HPKE operation. Hostile input (a peer's public key, enc, ciphertext) gives a status, never an
/// exception; RFC 9180 §8.2 leaves error signalling to the implementation.
/// </summary>
public enum HpkeStatus
{
    /// <summary>The operation succeeded.</summary>
    Ok = 0,

    /// <summary>The suite names a KEM, KDF or AEAD this library does not implement, or the platform lacks the AEAD.</summary>
    UnsupportedSuite,

    /// <summary>The recipient key pair belongs to a different KEM than the suite's.</summary>
    KemMismatch,

    /// <summary>
    /// The recipient public key is not Npk bytes or fails validation: an X25519 key whose shared secret is all
    /// zero (RFC 9180 §7.1.4), or an ML-KEM key with a coefficient ≥ q (FIPS 203 §7.2; X-Wing §5.6: EncapError).
    /// </summary>
    InvalidPublicKey,

    /// <summary>
    /// enc is not Nenc bytes, or (DHKEM) the X25519 shared secret with it is all zero (RFC 9180 §7.1.4): DecapError.
    /// </summary>
    InvalidEncapsulatedKey,

    /// <summary>info or exporter_context exceeds what the KDF can label (65535 bytes for a one-stage KDF).</summary>
    InputTooLong,

    /// <summary>The ciphertext is shorter than the AEAD tag (Nt).</summary>
    CiphertextTooShort,

    /// <summary>
    /// AEAD Open failed (RFC 9180 §5.2, OpenError): the ciphertext, aad, info, enc or key differs from the sender's,
    /// or the sequence numbers are out of step. Nothing is written and the sequence number does not advance.
    /// </summary>
    AuthenticationFailed,

    /// <summary>The context's sequence number would overflow (RFC 9180 §5.2, MessageLimitReachedError).</summary>
    MessageLimitReached,

    /// <summary>The export length L is 0 or beyond the KDF's bound (RFC 9180 §5.3: 255 * Nh for HKDF).</summary>
    InvalidExportLength,

    /// <summary>The destination is shorter than the ciphertext (Seal) or plaintext (Open) it must hold.</summary>
    DestinationTooSmall,

    /// <summary>Source and destination overlap other than exactly (in place), which AEAD cannot process.</summary>
    OverlappingBuffers,
}
