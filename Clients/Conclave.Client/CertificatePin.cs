using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Conclave.Client;

/// <summary>
/// Certificate pinning for self-signed servers: the SHA-256 of the certificate's DER encoding, written as 64 hex
/// digits (what <c>openssl x509 -noout -fingerprint -sha256</c> prints, colons allowed).
/// </summary>
public static class CertificatePin
{
    /// <summary>Bytes in a SHA-256 digest.</summary>
    public const int Sha256Length = 32;

    /// <summary>
    /// Normalizes a pin to 64 lower-case hex digits, dropping <c>:</c>, spaces and an optional <c>sha256:</c>
    /// prefix; false when what remains is not 32 bytes of hex.
    /// </summary>
    public static bool TryNormalize(string? pin, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(pin)) return false;
        string text = pin.Trim();
        if (text.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) text = text["sha256:".Length..];

        Span<char> hex = stackalloc char[Sha256Length * 2];
        int count = 0;
        foreach (char c in text)
        {
            if (c is ':' or ' ' or '-') continue;
            if (!char.IsAsciiHexDigit(c) || count == hex.Length) return false;
            hex[count++] = char.ToLowerInvariant(c);
        }
        if (count != hex.Length) return false;
        normalized = new string(hex);
        return true;
    }

    /// <summary>The pin of <paramref name="certificate"/>: lower-case hex SHA-256 of its DER encoding.</summary>
    public static string Compute(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    /// <summary>
    /// A validation callback that accepts exactly the certificate whose SHA-256 is <paramref name="pin"/>, ignoring
    /// chain and name errors (the pin is the trust anchor), and rejects every other certificate.
    /// </summary>
    /// <exception cref="ArgumentException">The pin is not 64 hex digits.</exception>
    public static RemoteCertificateValidationCallback CreateValidationCallback(string pin)
    {
        if (!TryNormalize(pin, out string normalized))
            throw new ArgumentException("the certificate pin must be 64 hex digits (a SHA-256)", nameof(pin));
        byte[] expected = Convert.FromHexString(normalized);
        return (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
    }

    /// <summary>The callback for <paramref name="options"/>, or null to keep the platform's validation.</summary>
    internal static RemoteCertificateValidationCallback? CallbackFor(ConclaveClientOptions options) =>
        options.PinnedCertificateSha256 is { } pin ? CreateValidationCallback(pin) : null;
}
