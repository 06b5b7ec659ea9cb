using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conclave.Client.Files;

/// <summary>
/// What resuming an interrupted send needs, kept on the sender's device while the upload runs: which upload, and the
/// file key and nonce prefix its bytes were encrypted with, so the rest is encrypted exactly as the first part was.
/// It holds the file key, so it is written 0600 in a 0700 directory and deleted once the file is sent.
/// </summary>
/// <param name="Path">The full path of the file being sent.</param>
/// <param name="Size">The file's size when the send began.</param>
/// <param name="LastWriteUtc">The file's last write time when the send began.</param>
/// <param name="HashedThrough">How many of the file's first bytes were encrypted (or about to be) so far: updated
/// before any byte of a chunk's record leaves (<see cref="Conclave.E2ee.Files.FileEncryptionStream.PrefixHashed"/>).</param>
/// <param name="PrefixSha256">Hex SHA-256 of those bytes. A file that changed (in size, write time or those bytes)
/// starts afresh: never the same key and nonces over other bytes.</param>
/// <param name="EncryptedLength">The upload's length, which the file's size, name, media type and chunk size fix: a
/// resume must encrypt under the same header, which every record's AAD holds.</param>
public sealed record PendingUpload(
    string Path,
    long Size,
    DateTime LastWriteUtc,
    long HashedThrough,
    string PrefixSha256,
    string FileId,
    Uri Upload,
    byte[] FileKey,
    ulong NoncePrefix,
    int ChunkSize,
    long EncryptedLength,
    IReadOnlyList<string> Recipients)
{
    /// <summary>Whether the record's fields hold together (a record damaged on disk is not resumed).</summary>
    internal bool IsWellFormed() =>
        Size >= 0 && HashedThrough >= 0 && HashedThrough <= Size && PrefixSha256 is { Length: 64 } && PrefixSha256.All(char.IsAsciiHexDigit)
        && FileKey is { Length: Conclave.E2ee.Files.FileEncryptor.FileKeyLength } && Upload is not null && !string.IsNullOrEmpty(FileId)
        && ChunkSize > 0 && EncryptedLength > 0;
}

/// <summary>The <see cref="PendingUpload"/> records of one device, one JSON file each, named after the sent file's path.</summary>
public sealed class PendingUploadStore
{
    private readonly string _directory;

    /// <param name="directory">Created 0700 when missing.</param>
    public PendingUploadStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
    }

    /// <summary>The record for <paramref name="path"/>, or null (none, or unreadable).</summary>
    public PendingUpload? Find(string path)
    {
        string file = FileFor(path);
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), PendingUploadJson.Default.PendingUpload) is { } pending
                && pending.Path == path ? pending : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the record: to a temporary file, flushed to disk, then renamed over the old one, so that what it
    /// says survives a crash or a power cut before the bytes it covers are sent.</summary>
    public void Save(PendingUpload pending)
    {
        if (!OperatingSystem.IsWindows())
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        else
            Directory.CreateDirectory(_directory);
        string file = FileFor(pending.Path);
        string temporary = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, pending, PendingUploadJson.Default.PendingUpload);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Forgets the record for <paramref name="path"/>.</summary>
    public void Delete(string path) => File.Delete(FileFor(path));

    private string FileFor(string path) =>
        System.IO.Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..32] + ".json");
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PendingUpload))]
internal sealed partial class PendingUploadJson : JsonSerializerContext;
