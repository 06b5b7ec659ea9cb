using System.Buffers.Text;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// The id the server knows an upload by, bound into every record's AAD and every key wrap (docs/file-format.md): 1 to
/// 64 characters of <c>A–Z a–z 0–9 - _</c>, chosen by the sender as 22 characters of base64url for 16 random bytes.
/// </summary>
public static class FileId
{
    /// <summary>The longest file id.</summary>
    public const int MaxLength = 64;

    /// <summary>A new file id: base64url (no padding) of 16 bytes from the OS CSPRNG, 22 characters.</summary>
    public static string New()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return Base64Url.EncodeToString(random);
    }

    /// <summary>Whether <paramref name="fileId"/> is 1 to 64 characters of <c>A–Z a–z 0–9 - _</c>.</summary>
    public static bool IsValid(string? fileId)
    {
        if (string.IsNullOrEmpty(fileId) || fileId.Length > MaxLength) return false;
        foreach (char c in fileId)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')) return false;
        return true;
    }
}
