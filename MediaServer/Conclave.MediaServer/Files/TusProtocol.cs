using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Conclave.MediaServer.Files;

/// <summary>
/// The tus 1.0.0 resumable upload protocol's names and header parsing (https://tus.io/protocols/resumable-upload).
/// Conclave serves the core protocol and the creation, creation-with-upload, termination, checksum and expiration
/// extensions.
/// </summary>
public static class TusProtocol
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,termination,checksum,expiration";
    public const string ChecksumAlgorithms = "sha1,md5,sha256";
    public const string OffsetContentType = "application/offset+octet-stream";

    public const string TusResumable = "Tus-Resumable";
    public const string TusVersion = "Tus-Version";
    public const string TusExtension = "Tus-Extension";
    public const string TusMaxSize = "Tus-Max-Size";
    public const string TusChecksumAlgorithm = "Tus-Checksum-Algorithm";
    public const string UploadOffset = "Upload-Offset";
    public const string UploadLength = "Upload-Length";
    public const string UploadDeferLength = "Upload-Defer-Length";
    public const string UploadMetadata = "Upload-Metadata";
    public const string UploadChecksum = "Upload-Checksum";
    public const string UploadExpires = "Upload-Expires";

    /// <summary>tus checksum extension: the body did not match <c>Upload-Checksum</c>.</summary>
    public const int ChecksumMismatch = 460;

    /// <summary>A metadata key accepted: the file id (docs/file-format.md). Anything but it and <see cref="HeadLastKey"/>,
    /// such as a file name, would be stored in clear, so it is refused.</summary>
    public const string IdKey = "id";

    /// <summary>The other metadata key accepted: the upload sends the file's first <c>n</c> bytes (a decimal number,
    /// 1 to the length − 1) after all the others (docs/files.md, "Head last").</summary>
    public const string HeadLastKey = "head-last";

    /// <summary>Parses a non-negative integer header (<c>Upload-Length</c>, <c>Upload-Offset</c>): digits only.</summary>
    public static bool TryParseLength(string? value, out long result)
    {
        result = 0;
        if (string.IsNullOrEmpty(value) || value.Length > 19) return false;
        foreach (char c in value) if (!char.IsAsciiDigit(c)) return false;
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out result);
    }

    /// <summary>
    /// Parses <c>Upload-Metadata</c> (tus creation: comma-separated <c>key base64value</c> pairs, the value optional,
    /// keys unique). Null when malformed.
    /// </summary>
    public static Dictionary<string, string>? TryParseMetadata(string? header)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header)) return pairs;
        if (header.Length > 4096) return null;
        foreach (string item in header.Split(','))
        {
            string[] parts = item.Trim().Split(' ');
            if (parts.Length is 0 or > 2 || parts[0].Length == 0 || parts[0].Any(c => c is <= ' ' or > '~')) return null;
            string value = "";
            if (parts.Length == 2)
            {
                if (!Base64.IsValid(parts[1])) return null;
                try
                {
                    value = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
                }
                catch (FormatException)
                {
                    return null;
                }
            }
            if (!pairs.TryAdd(parts[0], value)) return null;
        }
        return pairs;
    }

    /// <summary>
    /// Parses <c>Upload-Checksum</c> (tus checksum: <c>algorithm base64digest</c>): the hash to run over the body and
    /// the digest it must give. False when the header is malformed or the algorithm is not one of
    /// <see cref="ChecksumAlgorithms"/>.
    /// </summary>
    public static bool TryParseChecksum(string header, out HashAlgorithmName algorithm, out byte[] digest)
    {
        algorithm = default;
        digest = [];
        string[] parts = header.Trim().Split(' ');
        if (parts.Length != 2) return false;
        (algorithm, int length) = parts[0] switch
        {
            "sha1" => (HashAlgorithmName.SHA1, 20),
            "md5" => (HashAlgorithmName.MD5, 16),
            "sha256" => (HashAlgorithmName.SHA256, 32),
            _ => (default, 0),
        };
        if (length == 0 || !Base64.IsValid(parts[1])) return false;
        digest = Convert.FromBase64String(parts[1]);
        return digest.Length == length;
    }

    /// <summary>The <c>Upload-Expires</c> value: an RFC 9110 HTTP-date.</summary>
    public static string FormatExpires(DateTimeOffset expires) => expires.UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
