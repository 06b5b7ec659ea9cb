using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Conclave.MediaServer.Hosting;

/// <summary>Binds Kestrel to the configured HTTP and HTTPS URLs (docs/configuration.md, <c>Conclave:Listen</c>).</summary>
public static class KestrelEndpoints
{
    /// <summary>Largest request body the API accepts.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Applies <paramref name="options"/> to Kestrel.</summary>
    public static void Configure(KestrelServerOptions kestrel, ConclaveOptions options, TimeProvider time)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        if (!string.IsNullOrWhiteSpace(options.Listen.Http))
        {
            Listen(kestrel, options.Listen.Http, "http", certificate: null);
        }
        if (!string.IsNullOrWhiteSpace(options.Listen.Https))
        {
            X509Certificate2 certificate = string.IsNullOrEmpty(options.Tls.CertificatePath)
                ? SelfSignedCertificate.LoadOrCreate(options.DataDirectory, time)
                : X509CertificateLoader.LoadPkcs12FromFile(options.Tls.CertificatePath, options.Tls.CertificatePassword);
            Listen(kestrel, options.Listen.Https, "https", certificate);
        }
    }

    private static void Listen(KestrelServerOptions kestrel, string url, string scheme, X509Certificate2? certificate)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != scheme)
            throw new InvalidOperationException($"Conclave:Listen: '{url}' is not an {scheme}:// URL");

        Action<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions> configure = listen =>
        {
            if (certificate is not null) listen.UseHttps(certificate);
        };
        string host = uri.Host.Trim('[', ']');
        if (host == "localhost") kestrel.ListenLocalhost(uri.Port, configure);
        else if (host is "0.0.0.0" or "*" or "+") kestrel.ListenAnyIP(uri.Port, configure);
        else if (IPAddress.TryParse(host, out IPAddress? address)) kestrel.Listen(address, uri.Port, configure);
        else throw new InvalidOperationException($"Conclave:Listen: '{url}' must name an IP address, 0.0.0.0 or localhost");
    }
}
