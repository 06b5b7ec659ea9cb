namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8122 §5 <c>a=fingerprint:&lt;hash-func&gt; &lt;UHEX pairs separated by ':'&gt;</c>.</summary>
public sealed record DtlsFingerprint(string HashFunction, EquatableList<byte> Value)
{
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
