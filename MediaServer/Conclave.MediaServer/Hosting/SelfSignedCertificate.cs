using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conclave.MediaServer.Hosting;

/// <summary>The embedded mode's HTTPS certificate: ECDSA P-256, created on first start, kept in the data directory.</summary>
public static class SelfSignedCertificate
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(397);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(14);

    /// <summary>Loads <c>tls/self-signed.pfx</c> from the data directory, creating or renewing it when needed.</summary>
    public static X509Certificate2 LoadOrCreate(string dataDirectory, TimeProvider time)
    {
        string path = Path.Combine(dataDirectory, "tls", "self-signed.pfx");
        if (File.Exists(path))
        {
            X509Certificate2 existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (existing.NotAfter.ToUniversalTime() - RenewBefore > time.GetUtcNow().UtcDateTime) return existing;
            existing.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Conclave ({Environment.MachineName})", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 created = request.CreateSelfSigned(now.AddMinutes(-5), now + Validity);
        byte[] pfx = created.Export(X509ContentType.Pkcs12);
        DataDirectory.WriteSecret(path, pfx);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }

    /// <summary>The certificate's SHA-256 fingerprint as uppercase hex, for pinning (<c>conclave --cert-sha256</c>).</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
}
