using System.Buffers.Text;
using System.Security.Cryptography;

namespace Conclave.MediaServer.Api;

/// <summary>Random identifiers and secrets, base64url without padding.</summary>
public static class Secrets
{
    /// <summary>A new random id of <paramref name="bytes"/> bytes.</summary>
    public static string NewId(int bytes = 16) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>Lowercase hex SHA-256, used to key grains by a secret without the secret becoming an id.</summary>
    public static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
