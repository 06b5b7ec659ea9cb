using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    public static TheoryData<string, string> Malformed => new()
    {
        { "no hash function", "AB:CD" },
        { "unknown hash", "md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89" },
        { "too short for sha-256", "sha-256 AB:CD:EF" },
        { "missing colon", "sha-256 " + new string('A', 64) },
        { "bad hex digit", "sha-256 " + string.Join(':', Enumerable.Repeat("GG", 32)) },
        { "trailing colon", "sha-256 " + string.Join(':', Enumerable.Repeat("AB", 32)) + ":" },
        { "empty", "" },
    };

    [Fact]
    public void Certificate_fingerprint_is_rfc8122_sha256_and_round_trips()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate();
        string sdp = certificate.SdpFingerprint;
        Assert.Matches("^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$", sdp);
        DtlsFingerprint parsed = DtlsFingerprint.Parse(sdp);
        Assert.Equal(certificate.Fingerprint, parsed);
        Assert.True(parsed.Matches(certificate.RawData));
        Assert.False(parsed.Matches(DtlsCertificate.Generate().RawData));
        Assert.Equal(sdp, parsed.ToString());
        Assert.True(certificate.NotBefore < DateTimeOffset.UtcNow && DateTimeOffset.UtcNow < certificate.NotAfter);
    }

    [Fact]
    public void Hash_name_and_hex_case_are_accepted_case_insensitively()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate();
        string value = certificate.SdpFingerprint;
        Assert.True(DtlsFingerprint.TryParse("  SHA-256 " + value[8..].ToLowerInvariant() + " ", out DtlsFingerprint? parsed));
        Assert.Equal(certificate.Fingerprint, parsed);
    }

    [Fact]
    public void Other_hash_functions_match_their_own_digest()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate();
        foreach (string hash in new[] { "sha-1", "sha-384", "sha-512" })
        {
            DtlsFingerprint fingerprint = DtlsFingerprint.FromCertificate(certificate.RawData, hash);
            Assert.Equal(fingerprint, DtlsFingerprint.Parse(fingerprint.ToString()));
            Assert.True(fingerprint.Matches(certificate.RawData));
            Assert.NotEqual(certificate.Fingerprint, fingerprint);
        }
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_fingerprints_are_rejected(string name, string value)
    {
        Assert.NotEmpty(name);
        Assert.False(DtlsFingerprint.TryParse(value, out _));
        Assert.Throws<FormatException>(() => DtlsFingerprint.Parse(value));
    }
}
