using System.Security.Cryptography;
using System.Text;

namespace Conclave.Media.Transport.Ice;

/// <summary>A local ufrag/password pair (RFC 8445 §5.3, grammar in RFC 8839 §5.4). Immutable; the password's
/// bytes are kept as the short-term MESSAGE-INTEGRITY key (RFC 8489 §9.1.1).</summary>
public sealed class IceCredentials
{
    /// <summary>RFC 8839 §5.4: ice-ufrag = 4*256ice-char.</summary>
    public const int MinUfragLength = 4;
    /// <summary>RFC 8839 §5.4: ice-pwd = 22*256ice-char.</summary>
    public const int MinPasswordLength = 22;
    /// <summary>RFC 8839 §5.4: both are at most 256 characters.</summary>
    public const int MaxLength = 256;

    /// <summary>Length of a generated ufrag: 8 ice-chars = 48 random bits (RFC 8445 §5.3 asks for at least 24).</summary>
    public const int GeneratedUfragLength = 8;
    /// <summary>Length of a generated password: 24 ice-chars = 144 random bits (RFC 8445 §5.3 asks for at least 128).</summary>
    public const int GeneratedPasswordLength = 24;

    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private readonly byte[] _passwordKey;

    /// <summary>Validates and wraps a ufrag and password.</summary>
    /// <exception cref="ArgumentException">Either is outside the RFC 8839 grammar.</exception>
    public IceCredentials(string ufrag, string password)
    {
        ArgumentNullException.ThrowIfNull(ufrag);
        ArgumentNullException.ThrowIfNull(password);
        if (!IsValidUfrag(ufrag)) throw new ArgumentException("ICE ufrag must be 4-256 ice-chars (RFC 8839 §5.4).", nameof(ufrag));
        if (password.Length is < MinPasswordLength or > MaxLength || !IsIceChars(password))
        {
            throw new ArgumentException("ICE password must be 22-256 ice-chars (RFC 8839 §5.4).", nameof(password));
        }
        Ufrag = ufrag;
        Password = password;
        _passwordKey = Encoding.ASCII.GetBytes(password);
    }

    /// <summary>The username fragment.</summary>
    public string Ufrag { get; }

    /// <summary>The password.</summary>
    public string Password { get; }

    /// <summary>The password's bytes: the short-term credential HMAC key.</summary>
    public ReadOnlySpan<byte> PasswordKey => _passwordKey;

    /// <summary>Fresh random credentials from a CSPRNG.</summary>
    public static IceCredentials Generate() =>
        new(RandomString(GeneratedUfragLength), RandomString(GeneratedPasswordLength));

    /// <summary>RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".</summary>
    public static bool IsIceChars(ReadOnlySpan<char> value)
    {
        foreach (char c in value)
        {
            if (!IsIceChar(c)) return false;
        }
        return true;
    }

    /// <summary>Whether <paramref name="ufrag"/> is 4-256 ice-chars.</summary>
    public static bool IsValidUfrag(ReadOnlySpan<char> ufrag) =>
        ufrag.Length is >= MinUfragLength and <= MaxLength && IsIceChars(ufrag);

    internal static bool IsIceChar(int c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';

    private static string RandomString(int length) =>
        new(RandomNumberGenerator.GetItems<char>(IceChars, length));
}
