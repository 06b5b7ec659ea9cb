namespace Conclave.E2ee.Hpke;

/// <summary>HPKE KDF identifiers (RFC 9180 §7.2, IANA "HPKE KDF Identifiers"): the 2-byte kdf_id of suite_id.</summary>
public enum HpkeKdfId : ushort
{
    /// <summary>HKDF-SHA256 (RFC 9180 §7.2, RFC 5869), a two-stage KDF: Nh = 32. Conclave's KDF.</summary>
    HkdfSha256 = 0x0001,

    /// <summary>
    /// SHAKE256 as a one-stage KDF (draft-ietf-hpke-pq-04 §5, LabeledDerive of draft-ietf-hpke-hpke §4): Nh = 64.
    /// Not in RFC 9180 and still a draft (its labels have changed between revisions): implemented so the published
    /// X-Wing vectors can be checked in full, not for Conclave's own suites.
    /// </summary>
    Shake256 = 0x0011,
}
