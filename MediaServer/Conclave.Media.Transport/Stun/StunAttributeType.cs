namespace Conclave.Media.Transport.Stun;

/// <summary>STUN attribute types this library understands (RFC 8489 §18.3, RFC 8445 §16.1).
/// Values below 0x8000 are comprehension-required, the rest comprehension-optional.</summary>
public enum StunAttributeType : ushort
{
    /// <summary>RFC 8489 §14.1.</summary>
    MappedAddress = 0x0001,
    /// <summary>RFC 8489 §14.3.</summary>
    Username = 0x0006,
    /// <summary>RFC 8489 §14.5.</summary>
    MessageIntegrity = 0x0008,
    /// <summary>RFC 8489 §14.8.</summary>
    ErrorCode = 0x0009,
    /// <summary>RFC 8489 §14.13.</summary>
    UnknownAttributes = 0x000A,
    /// <summary>RFC 8489 §14.9.</summary>
    Realm = 0x0014,
    /// <summary>RFC 8489 §14.10.</summary>
    Nonce = 0x0015,
    /// <summary>RFC 8489 §14.6.</summary>
    MessageIntegritySha256 = 0x001C,
    /// <summary>RFC 8489 §14.12.</summary>
    PasswordAlgorithm = 0x001D,
    /// <summary>RFC 8489 §14.4.</summary>
    UserHash = 0x001E,
    /// <summary>RFC 8489 §14.2.</summary>
    XorMappedAddress = 0x0020,
    /// <summary>RFC 8445 §16.1.</summary>
    Priority = 0x0024,
    /// <summary>RFC 8445 §16.1.</summary>
    UseCandidate = 0x0025,
    /// <summary>RFC 8489 §14.11 (comprehension-optional from here on).</summary>
    PasswordAlgorithms = 0x8002,
    /// <summary>RFC 8489 §14.16.</summary>
    AlternateDomain = 0x8003,
    /// <summary>RFC 8489 §14.14.</summary>
    Software = 0x8022,
    /// <summary>RFC 8489 §14.15.</summary>
    AlternateServer = 0x8023,
    /// <summary>RFC 8489 §14.7.</summary>
    Fingerprint = 0x8028,
    /// <summary>RFC 8445 §16.1.</summary>
    IceControlled = 0x8029,
    /// <summary>RFC 8445 §16.1.</summary>
    IceControlling = 0x802A,
}
