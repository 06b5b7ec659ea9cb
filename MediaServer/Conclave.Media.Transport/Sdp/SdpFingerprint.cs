namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8122 §5 <c>a=fingerprint:&lt;hash-func&gt; &lt;UHEX pairs separated by ':'&gt;</c> as written in SDP,
/// with any hash function name (an unknown one is kept, and ignored by <see cref="TryGetDtlsFingerprint"/>).
/// The DTLS layer checks certificates with <see cref="Dtls.DtlsFingerprint"/>.</summary>
public sealed record SdpFingerprint(string HashFunction, EquatableList<byte> Value)
{
    /// <summary>The SDP form of a DTLS certificate fingerprint (for our own answers and offers).</summary>
    public static SdpFingerprint From(Dtls.DtlsFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return new SdpFingerprint(fingerprint.HashFunction, fingerprint.Value.ToArray().ToEquatableList());
    }

    /// <summary>The fingerprint the DTLS handshake must match (RFC 8122 §5), when the hash function is one DTLS supports.</summary>
    public bool TryGetDtlsFingerprint([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Dtls.DtlsFingerprint? fingerprint) =>
        Dtls.DtlsFingerprint.TryParse(ToString(), out fingerprint);

    /// <summary>Byte length for a known hash function (RFC 8122 §5 / RFC 3279 names), or null if unknown.</summary>
    public static int? ExpectedLength(string hashFunction) => hashFunction.ToLowerInvariant() switch
    {
        "sha-1" => 20,
        "sha-224" => 28,
        "sha-256" => 32,
        "sha-384" => 48,
        "sha-512" => 64,
        "md5" => 16,
        "md2" => 16,
        _ => null,
    };

    /// <summary>The hex value as written in SDP: upper-case pairs joined by ':'.</summary>
    public string HexValue => Convert.ToHexString([.. Value]) is var hex && hex.Length > 0
        ? string.Join(':', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(2 * i, 2)))
        : "";

    /// <inheritdoc/>
    public override string ToString() => $"{HashFunction} {HexValue}";
}
