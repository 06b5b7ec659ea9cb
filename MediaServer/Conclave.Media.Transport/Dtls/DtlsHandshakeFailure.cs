namespace Conclave.Media.Transport.Dtls;

/// <summary>Why a DTLS-SRTP handshake failed.</summary>
public enum DtlsHandshakeFailure
{
    /// <summary>The peer's certificate does not hash to the fingerprint from its SDP (RFC 5763 §5); bad_certificate sent.</summary>
    FingerprintMismatch,

    /// <summary>The peer sent no certificate; WebRTC requires mutual authentication (RFC 8827 §6.5).</summary>
    NoCertificate,

    /// <summary>No SRTP protection profile both sides accept, or use_srtp missing or malformed (RFC 5764 §4.1.1).</summary>
    NoCommonSrtpProfile,

    /// <summary>The peer sent a fatal alert.</summary>
    AlertReceived,

    /// <summary>The handshake did not finish within the handshake timeout.</summary>
    Timeout,

    /// <summary>The transport was closed or the caller cancelled.</summary>
    Closed,

    /// <summary>Any other protocol error (malformed messages, unsupported parameters, no extended master secret, …).</summary>
    ProtocolError,
}
