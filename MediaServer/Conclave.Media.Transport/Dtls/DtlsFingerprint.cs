using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// A certificate fingerprint as carried in SDP (RFC 8122 §5):
/// <code>
/// fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint
/// hash-func             = "sha-1" / "sha-224" / "sha-256" / "sha-384" / "sha-512" / "md5" / "md2" / token
/// fingerprint           = 2UHEX *(":" 2UHEX)
/// </code>
/// Supported here: sha-1, sha-256, sha-384 and sha-512 (RFC 8122 §5 forbids MD2/MD5; .NET has no SHA-224).
/// Comparisons are constant-time.
/// </summary>
public sealed class DtlsFingerprint : IEquatable<DtlsFingerprint>
{
    /// <summary>The hash function WebRTC uses (RFC 8827 §6.5, RFC 8122 §5).</summary>
    public const string Sha256 = "sha-256";

    private readonly byte[] _value;

    private DtlsFingerprint(string hashFunction, byte[] value)
    {
        HashFunction = hashFunction;
        _value = value;
    }

    /// <summary>The hash function name, lower case (for example <c>sha-256</c>).</summary>
    public string HashFunction { get; }

    /// <summary>The digest bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>Computes the fingerprint of a DER-encoded certificate (RFC 8122 §5: the hash of the DER form).</summary>
    public static DtlsFingerprint FromCertificate(ReadOnlySpan<byte> certificateDer, string hashFunction = Sha256)
    {
        string name = hashFunction.ToLowerInvariant();
        if (!TryGetDigestLength(name, out int length))
            throw new ArgumentException($"unsupported fingerprint hash function '{hashFunction}'", nameof(hashFunction));
        byte[] digest = new byte[length];
        Hash(name, certificateDer, digest);
        return new DtlsFingerprint(name, digest);
    }

    /// <summary>Parses the value of an <c>a=fingerprint:</c> attribute, such as <c>sha-256 AB:CD:…</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? sdpValue, [NotNullWhen(true)] out DtlsFingerprint? fingerprint)
    {
        fingerprint = null;
        if (sdpValue is null) return false;
        ReadOnlySpan<char> text = sdpValue.AsSpan().Trim();
        int space = text.IndexOf(' ');
        if (space <= 0) return false;
        // RFC 8122 §5: hash function names are compared case-insensitively (the IANA registry uses lower case).
        string name = text[..space].ToString().ToLowerInvariant();
        if (!TryGetDigestLength(name, out int length)) return false;
        ReadOnlySpan<char> hex = text[(space + 1)..].TrimStart(' ');
        // length octets: 2 hex digits each, separated by single colons.
        if (hex.Length != length * 3 - 1) return false;
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            int at = i * 3;
            if (i > 0 && hex[at - 1] != ':') return false;
            int hi = HexValue(hex[at]), lo = HexValue(hex[at + 1]);
            if ((hi | lo) < 0) return false;
            value[i] = (byte)(hi << 4 | lo);
        }
        fingerprint = new DtlsFingerprint(name, value);
        return true;
    }

    /// <summary>Parses like <see cref="TryParse"/>, throwing <see cref="FormatException"/> naming the problem.</summary>
    public static DtlsFingerprint Parse(string sdpValue) =>
        TryParse(sdpValue, out DtlsFingerprint? fingerprint)
            ? fingerprint
            : throw new FormatException($"'{sdpValue}' is not an RFC 8122 fingerprint (expected e.g. 'sha-256 AB:CD:…' with a supported hash)");

    /// <summary>Whether the DER certificate hashes to this fingerprint, compared in constant time.</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        Span<byte> digest = stackalloc byte[64];
        digest = digest[.._value.Length];
        Hash(HashFunction, certificateDer, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _value);
    }

    /// <summary>Same hash function and digest (digest compared in constant time).</summary>
    public bool Equals(DtlsFingerprint? other) =>
        other is not null && other.HashFunction == HashFunction && CryptographicOperations.FixedTimeEquals(other._value, _value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as DtlsFingerprint);

    /// <inheritdoc />
    public override int GetHashCode() => HashFunction.GetHashCode(StringComparison.Ordinal);

    /// <summary>The SDP form: <c>sha-256 AB:CD:…</c> (upper-case hex, RFC 8122 §5 UHEX).</summary>
    public override string ToString()
    {
        var hex = Convert.ToHexString(_value);
        var chars = new char[HashFunction.Length + 1 + _value.Length * 3 - 1];
        HashFunction.CopyTo(chars);
        int at = HashFunction.Length;
        chars[at++] = ' ';
        for (int i = 0; i < _value.Length; i++)
        {
            if (i > 0) chars[at++] = ':';
            chars[at++] = hex[2 * i];
            chars[at++] = hex[2 * i + 1];
        }
        return new string(chars);
    }

    private static bool TryGetDigestLength(string name, out int length)
    {
        length = name switch
        {
            "sha-1" => 20,
            Sha256 => 32,
            "sha-384" => 48,
            "sha-512" => 64,
            _ => 0,
        };
        return length != 0;
    }

    private static void Hash(string name, ReadOnlySpan<byte> data, Span<byte> digest)
    {
        int written = name switch
        {
            "sha-1" => SHA1.HashData(data, digest),
            Sha256 => SHA256.HashData(data, digest),
            "sha-384" => SHA384.HashData(data, digest),
            _ => SHA512.HashData(data, digest),
        };
        if (written != digest.Length) throw new CryptographicException("unexpected digest length");
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
