using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// A fresh self-signed ECDSA P-256 certificate for DTLS-SRTP (RFC 8827 §6.5: WebRTC endpoints use ephemeral
/// self-signed certificates, authenticated by the fingerprint in SDP, RFC 5763 §5). Immutable once created.
/// </summary>
public sealed class DtlsCertificate
{
    private readonly byte[] _der;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        _der = der;
        PrivateKey = privateKey;
        NotBefore = notBefore;
        NotAfter = notAfter;
        Fingerprint = DtlsFingerprint.FromCertificate(der);
    }

    /// <summary>The DER encoding of the certificate.</summary>
    public ReadOnlySpan<byte> RawData => _der;

    /// <summary>The SHA-256 fingerprint (RFC 8122 §5).</summary>
    public DtlsFingerprint Fingerprint { get; }

    /// <summary>The <c>a=fingerprint:</c> value: <c>sha-256 AB:CD:…</c>.</summary>
    public string SdpFingerprint => Fingerprint.ToString();

    /// <summary>Start of validity.</summary>
    public DateTimeOffset NotBefore { get; }

    /// <summary>End of validity.</summary>
    public DateTimeOffset NotAfter { get; }

    /// <summary>The private key, in BouncyCastle form for the TLS signer.</summary>
    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>
    /// Generates a new P-256 key and a self-signed ECDSA-SHA256 certificate valid from a day ago (clock skew)
    /// for <paramref name="lifetime"/> (default 30 days), with a random serial number.
    /// </summary>
    public static DtlsCertificate Generate(string commonName = "Conclave", TimeSpan? lifetime = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        DateTimeOffset now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        DateTimeOffset notBefore = now.AddDays(-1);
        DateTimeOffset notAfter = now + (lifetime ?? TimeSpan.FromDays(30));

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(notBefore, notAfter);
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            AsymmetricKeyParameter privateKey = PrivateKeyFactory.CreateKey(pkcs8);
            return new DtlsCertificate(certificate.RawData, privateKey, notBefore, notAfter);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
