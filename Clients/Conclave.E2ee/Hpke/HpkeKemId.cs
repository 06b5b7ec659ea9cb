namespace Conclave.E2ee.Hpke;

/// <summary>
/// HPKE KEM identifiers (RFC 9180 §7.1, IANA "HPKE KEM Identifiers"). The value is the 2-byte kem_id that enters
/// suite_id (§4.1, §5.1).
/// </summary>
public enum HpkeKemId : ushort
{
    /// <summary>
    /// DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1, §7.1): Nsecret = Nenc = Npk = Nsk = 32. Classical only.
    /// </summary>
    DhKemX25519HkdfSha256 = 0x0020,

    /// <summary>
    /// X-Wing, the hybrid of ML-KEM-768 and X25519 (draft-connolly-cfrg-xwing-kem-10 §5.6, §7): Nsecret = 32,
    /// Nenc = 1120, Npk = 1216, Nsk = 32. Secure while either X25519 or ML-KEM-768 is. Base mode only (§5.6).
    /// </summary>
    XWing = 0x647A,
}
