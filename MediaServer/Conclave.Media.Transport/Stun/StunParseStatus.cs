namespace Conclave.Media.Transport.Stun;

/// <summary>Outcome of <see cref="StunMessage.TryRead"/>. Anything but <see cref="Ok"/> means "drop the datagram".</summary>
public enum StunParseStatus
{
    /// <summary>The header and every attribute TLV are well formed.</summary>
    Ok,
    /// <summary>Fewer than the 20 header bytes.</summary>
    TooShort,
    /// <summary>The two most significant bits are not zero (RFC 8489 §5), so it is not STUN (RFC 7983 §7).</summary>
    NotStun,
    /// <summary>The magic cookie is not 0x2112A442 (RFC 8489 §5).</summary>
    BadMagicCookie,
    /// <summary>The message length is not a multiple of 4 (RFC 8489 §5: "the last 2 bits ... are always zero").</summary>
    BadLength,
    /// <summary>The header's message length does not match the datagram (truncated or trailing bytes).</summary>
    LengthMismatch,
    /// <summary>An attribute header, value or its padding runs past the end of the message.</summary>
    AttributeOverrun,
    /// <summary>MESSAGE-INTEGRITY whose value is not 20 bytes (RFC 8489 §14.5).</summary>
    BadMessageIntegrity,
    /// <summary>FINGERPRINT whose value is not 4 bytes, or which is not the last attribute (RFC 8489 §14.7).</summary>
    BadFingerprint,
}
