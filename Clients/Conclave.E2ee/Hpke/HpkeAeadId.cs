namespace Conclave.E2ee.Hpke;

/// <summary>HPKE AEAD identifiers (RFC 9180 §7.3, IANA "HPKE AEAD Identifiers"): the 2-byte aead_id of suite_id.</summary>
public enum HpkeAeadId : ushort
{
    /// <summary>AES-128-GCM (RFC 9180 §7.3): Nk = 16, Nn = 12, Nt = 16. Conclave's AEAD.</summary>
    Aes128Gcm = 0x0001,

    /// <summary>
    /// ChaCha20Poly1305 (RFC 9180 §7.3, RFC 8439): Nk = 32, Nn = 12, Nt = 16. Available where the platform's
    /// crypto provides it (<see cref="System.Security.Cryptography.ChaCha20Poly1305.IsSupported"/>); the X-Wing
    /// vectors of draft-ietf-hpke-pq use it.
    /// </summary>
    ChaCha20Poly1305 = 0x0003,
}
