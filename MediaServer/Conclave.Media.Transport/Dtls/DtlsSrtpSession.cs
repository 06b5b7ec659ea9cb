using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Tls;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// The result of a completed DTLS-SRTP handshake: the negotiated profile and the two SRTP contexts keyed from
/// RFC 5764 §4.2 material, chosen by role (the client sends with client_write_*, the server with server_write_*).
/// </summary>
public sealed class DtlsSrtpSession : IDisposable
{
    // Allocated by this
    private readonly DtlsTransport _dtls;                             // Owned
    private bool _disposed;

    internal DtlsSrtpSession(DtlsRole role, SrtpProfile profile, SrtpContext outbound, SrtpContext inbound, DtlsTransport dtls, DtlsFingerprint remoteFingerprint)
    {
        Role = role;
        Profile = profile;
        Outbound = outbound;
        Inbound = inbound;
        _dtls = dtls;
        RemoteFingerprint = remoteFingerprint;
    }

    /// <summary>Our DTLS role.</summary>
    public DtlsRole Role { get; }

    /// <summary>The negotiated SRTP protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Protects what we send. Owned.</summary>
    public SrtpContext Outbound { get; }

    /// <summary>Unprotects what the peer sends. Owned.</summary>
    public SrtpContext Inbound { get; }

    /// <summary>The verified fingerprint of the peer's certificate.</summary>
    public DtlsFingerprint RemoteFingerprint { get; }

    /// <summary>
    /// The established DTLS connection, for a caller that keeps reading it (alerts, the peer retransmitting its
    /// final flight, application data). Owned: disposed with the session.
    /// </summary>
    public DtlsTransport Transport => _dtls;

    /// <summary>Sends close_notify, closes the transport and disposes both SRTP contexts. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _dtls.Close();
        }
        catch (IOException)
        {
            // The transport may already be gone; closing is best-effort.
        }
        Outbound.Dispose();
        Inbound.Dispose();
    }
}
