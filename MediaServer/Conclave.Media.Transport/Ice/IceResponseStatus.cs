namespace Conclave.Media.Transport.Ice;

/// <summary>What <see cref="IceControllingAgent.HandleStun"/> did with one datagram. The first four statuses mean
/// the response was authenticated and consumed; every other one means it was dropped without changing any state
/// (RFC 8489 §9.1.4: as if it had never been received), and the caller should count it.</summary>
public enum IceResponseStatus
{
    /// <summary>An authenticated success response: its check succeeded (RFC 8445 §7.2.5.3), its nomination selected
    /// the pair (§8.1.1), or it refreshed consent (RFC 7675 §5.1).</summary>
    Success,
    /// <summary>An authenticated error response (487 Role Conflict included, see <see cref="IceControllingAgent"/>):
    /// its pair failed (RFC 8445 §7.2.5.2.4); a consent check answered this way refreshes nothing.</summary>
    ErrorResponse,
    /// <summary>Authenticated, but from another address than the request went to (RFC 8445 §7.2.5.2.1): its pair
    /// failed; a consent check answered this way refreshes nothing.</summary>
    Asymmetric,
    /// <summary>An authenticated success response to a check without a valid XOR-MAPPED-ADDRESS (RFC 8445
    /// §7.2.5.3.1 needs it): its pair failed.</summary>
    MissingMappedAddress,
    /// <summary>Drop: not a well-formed STUN message.</summary>
    Malformed,
    /// <summary>Drop: a STUN request or indication, or not a Binding message. An ICE-lite peer sends no checks
    /// (RFC 8445 §2.5), so a controlling agent facing one has nothing to answer.</summary>
    NotBindingResponse,
    /// <summary>Drop: no outstanding check or recent consent check has this transaction id (stale, duplicate,
    /// forged, or the agent is not checking).</summary>
    UnknownTransaction,
    /// <summary>Drop: FINGERPRINT missing (RFC 8445 §7.2.2 and §7.3: ICE messages carry it).</summary>
    MissingFingerprint,
    /// <summary>Drop: FINGERPRINT does not match (RFC 8489 §14.7).</summary>
    BadFingerprint,
    /// <summary>Drop: MESSAGE-INTEGRITY missing or not valid with the remote password (RFC 8489 §9.1.4).</summary>
    BadMessageIntegrity,
}
