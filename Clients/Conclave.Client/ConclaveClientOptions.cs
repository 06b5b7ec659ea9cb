namespace Conclave.Client;

/// <summary>Connection settings shared by <see cref="ConclaveApiClient"/> and <see cref="SignalingClient"/>.</summary>
public class ConclaveClientOptions
{
    /// <summary>
    /// Hex SHA-256 of the server's TLS certificate (DER), for self-signed HTTPS servers. When set, exactly that
    /// certificate is accepted and nothing else, whatever the chain or host name says; when null, the platform's
    /// normal validation applies. Colons and spaces between hex pairs are ignored (see <see cref="CertificatePin"/>).
    /// </summary>
    public string? PinnedCertificateSha256 { get; init; }

    /// <summary>How long to wait for the TCP and TLS connection to be established. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long to wait for one reply (an HTTP response, or a signaling reply). Default 30 s;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits forever.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
