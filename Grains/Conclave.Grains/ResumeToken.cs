using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Conclave.Grains;

/// <summary>Resume secrets: 32 random bytes, base64url; only their SHA-256 is kept.</summary>
internal static class ResumeToken
{
    /// <summary>Longest token string worth hashing; a real one is 43 characters.</summary>
    private const int MaxLength = 128;

    /// <summary>Creates a fresh token and returns it with its hash.</summary>
    public static (string Token, byte[] Hash) Create()
    {
        string token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    /// <summary>Compares <paramref name="candidate"/> against a stored hash in constant time.</summary>
    public static bool Matches(string? candidate, byte[]? expectedHash)
    {
        if (candidate is null || candidate.Length > MaxLength || expectedHash is null) return false;
        return CryptographicOperations.FixedTimeEquals(Hash(candidate), expectedHash);
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
