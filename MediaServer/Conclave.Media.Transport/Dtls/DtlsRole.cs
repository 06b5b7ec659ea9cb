namespace Conclave.Media.Transport.Dtls;

/// <summary>The DTLS role (RFC 5763 §5: a=setup:passive is the server, a=setup:active the client).</summary>
public enum DtlsRole
{
    /// <summary>DTLS client: sends the ClientHello.</summary>
    Client,

    /// <summary>DTLS server: answers the ClientHello.</summary>
    Server,
}
