namespace Conclave.Media.Transport.Net;

/// <summary>Why the media port dropped a datagram (or, for <see cref="ListenerFault"/>, why a delivered one failed).
/// Counted per reason in <see cref="UdpMediaListenerCounters"/>.</summary>
public enum UdpDropReason
{
    /// <summary>RFC 7983: the first byte is none of STUN, DTLS, RTP/RTCP (ZRTP, TURN channel, QUIC, empty, 1-byte RTP).</summary>
    UnknownProtocol,
    /// <summary>Longer than <see cref="MediaPortOptions.MaxDatagramLength"/>.</summary>
    Oversized,
    /// <summary>First byte says STUN, but it is not a well-formed STUN message (truncated, bad length, bad cookie).</summary>
    StunMalformed,
    /// <summary>STUN without a usable USERNAME, from an address no peer has validated.</summary>
    StunNoUsername,
    /// <summary>RFC 8445 §7.3: USERNAME names a local ufrag no registered peer owns.</summary>
    UnknownUfrag,
    /// <summary>The peer's agent rejected the request: FINGERPRINT missing or wrong, wrong remote ufrag, not a Binding request.</summary>
    StunRejected,
    /// <summary>RFC 8489 §9.1.3: MESSAGE-INTEGRITY missing or does not verify with the peer's password.</summary>
    BadMessageIntegrity,
    /// <summary>DTLS, RTP or RTCP from an address that no peer's ICE check has validated.</summary>
    UnboundAddress,
    /// <summary>A peer's listener threw; the exception was swallowed.</summary>
    ListenerFault,
    /// <summary>An unexpected error while handling one datagram (a bug); the loop carried on.</summary>
    InternalError,
}
