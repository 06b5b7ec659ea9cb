namespace Conclave.E2ee.SFrame;

/// <summary>Outcome of encrypting or decrypting one SFrame ciphertext. The data plane never throws.</summary>
public enum SFrameStatus
{
    /// <summary>The frame was encrypted, or authenticated and decrypted.</summary>
    Ok = 0,

    /// <summary>
    /// The ciphertext is not an SFrame ciphertext: its header is cut short or not minimally encoded (RFC 9605 §4.3),
    /// or fewer than Nt bytes follow it. Discard it (§4.4.4).
    /// </summary>
    Malformed,

    /// <summary>
    /// No key is held for the header's KID (RFC 9605 §4.4.1). The header is still reported; the caller MAY buffer the
    /// frame and retry once that key arrives (§4.4.4).
    /// </summary>
    UnknownKey,

    /// <summary>The tag does not verify over header, metadata and ciphertext (RFC 9605 §4.4.4): discard the frame.</summary>
    AuthenticationFailed,

    /// <summary>The destination is shorter than the ciphertext (encrypt) or the plaintext (decrypt) it must hold.</summary>
    DestinationTooSmall,

    /// <summary>The metadata overlaps the destination, which would overwrite it before it is authenticated.</summary>
    OverlappingBuffers,

    /// <summary>The sender has no key to encrypt with.</summary>
    NoKey,

    /// <summary>
    /// All 2^64 counters of the sender's key are used (RFC 9605 §7.4: never encrypt twice with one key and nonce).
    /// Install a new key.
    /// </summary>
    CounterExhausted,
}
