namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 4145 §4 / RFC 8842 §5 <c>a=setup</c> role.</summary>
public enum DtlsSetup
{
    /// <summary><c>actpass</c>: offerer lets the answerer choose (JSEP §5.2.1: offers MUST use it).</summary>
    ActPass,
    /// <summary><c>active</c>: this endpoint is the DTLS client.</summary>
    Active,
    /// <summary><c>passive</c>: this endpoint is the DTLS server.</summary>
    Passive,
    /// <summary><c>holdconn</c>: no connection (not allowed in WebRTC).</summary>
    HoldConn,
}
