namespace Conclave.Media.Transport.Srtp;

/// <summary>Outcome of protecting or unprotecting one SRTP/SRTCP packet. The data plane never throws.</summary>
public enum SrtpStatus
{
    /// <summary>The packet was protected or verified and decrypted.</summary>
    Ok = 0,

    /// <summary>The packet is shorter than its header (fixed, CSRC list, extension) plus the trailer it must carry.</summary>
    TooShort,

    /// <summary>The RTP/RTCP version field is not 2 (RFC 3550 §5.1, §6.4.1).</summary>
    BadVersion,

    /// <summary>The authentication tag does not verify (RFC 3711 §3.3 step 5, RFC 7714 §7.2). Nothing was committed.</summary>
    AuthenticationFailed,

    /// <summary>The packet index was already received (RFC 3711 §3.3.2).</summary>
    Replayed,

    /// <summary>The packet index is behind the replay window (RFC 3711 §3.3.2), or before index 0.</summary>
    TooOld,

    /// <summary>The destination buffer has no room for the authentication tag (and SRTCP index).</summary>
    BufferTooSmall,

    /// <summary>The context already tracks its maximum number of SSRCs; a new one is refused.</summary>
    TooManySsrcs,

    /// <summary>The 2^48 SRTP or 2^31 SRTCP packet indexes of the keys are used up (RFC 3711 §9.2): rekey.</summary>
    KeyExhausted,
}
