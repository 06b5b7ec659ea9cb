namespace Conclave.Media.Transport.Stun;

/// <summary>Outcome of a MESSAGE-INTEGRITY or FINGERPRINT check.</summary>
public enum StunIntegrityStatus
{
    /// <summary>The attribute is present and its value matches.</summary>
    Ok,
    /// <summary>The attribute is absent.</summary>
    Missing,
    /// <summary>The attribute is present and its value does not match.</summary>
    Mismatch,
}
