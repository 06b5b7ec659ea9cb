using Org.BouncyCastle.Tls;

namespace Conclave.Media.Transport.Dtls;

/// <summary>The client side of certificate authentication: verify the server's fingerprint, present ours.</summary>
internal sealed class DtlsSrtpClientAuthentication : TlsAuthentication
{
    private readonly DtlsSrtpClient _client;                          // Borrowed

    internal DtlsSrtpClientAuthentication(DtlsSrtpClient client) => _client = client;

    /// <summary>RFC 5763 §5: the server's certificate must match the fingerprint in its SDP.</summary>
    public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
        _client.State.VerifyPeerCertificate(serverCertificate?.Certificate);

    /// <summary>RFC 8827 §6.5: always answer a CertificateRequest with our ECDSA certificate.</summary>
    public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest)
    {
        if (Array.IndexOf(certificateRequest.CertificateTypes ?? [], ClientCertificateType.ecdsa_sign) < 0)
            throw _client.State.Fail(DtlsHandshakeFailure.ProtocolError, AlertDescription.handshake_failure, "the server does not accept ECDSA client certificates");
        return _client.State.CreateSigner(_client.Context, certificateRequest.SupportedSignatureAlgorithms);
    }
}
