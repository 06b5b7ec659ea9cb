namespace Conclave.Media.Transport.Dtls;

/// <summary>A DTLS-SRTP handshake failed; no keys were produced.</summary>
public sealed class DtlsSrtpHandshakeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DtlsSrtpHandshakeException(DtlsHandshakeFailure reason, string message, Exception? innerException = null)
        : base($"DTLS-SRTP handshake failed ({reason}): {message}", innerException)
    {
        Reason = reason;
    }

    /// <summary>The failure class.</summary>
    public DtlsHandshakeFailure Reason { get; }
}
