namespace Conclave.Media.Transport.Ice;

/// <summary>What <see cref="IceLiteAgent.HandleBindingRequest"/> did. When the out <c>responseLength</c> is
/// non-zero the caller sends that many bytes back to the remote endpoint; every "drop" status leaves the agent's
/// state untouched and should be counted by the caller.</summary>
public enum IceRequestStatus
{
    /// <summary>Authenticated; a success response was written; consent refreshed.</summary>
    Success,
    /// <summary>As <see cref="Success"/>, and USE-CANDIDATE made this remote the selected pair (first nomination or a switch).</summary>
    Nominated,
    /// <summary>Authenticated, but the peer claims the controlled role; a 487 error response was written (RFC 8445 §7.3.1.1).</summary>
    RoleConflict,
    /// <summary>Authenticated, but it carries unknown comprehension-required attributes; a 420 response was written (RFC 8489 §6.3.1).</summary>
    UnknownAttributes,
    /// <summary>A Binding indication (RFC 8445 §11 keepalive): nothing to answer, not authenticated, no state change.</summary>
    Indication,
    /// <summary>Drop: not a well-formed STUN message.</summary>
    Malformed,
    /// <summary>Drop: a STUN message that is not a Binding request or indication.</summary>
    NotBindingRequest,
    /// <summary>Drop: FINGERPRINT missing (RFC 8445 §7.3: connectivity checks carry it).</summary>
    MissingFingerprint,
    /// <summary>Drop: FINGERPRINT does not match.</summary>
    BadFingerprint,
    /// <summary>Drop: USERNAME or MESSAGE-INTEGRITY missing.</summary>
    MissingCredentials,
    /// <summary>Drop: USERNAME is not "localUfrag:remoteUfrag" for the current credentials.</summary>
    UsernameMismatch,
    /// <summary>Drop: MESSAGE-INTEGRITY does not verify with the local password.</summary>
    BadMessageIntegrity,
    /// <summary>Drop: the response buffer is too small for the answer.</summary>
    ResponseBufferTooSmall,
}
