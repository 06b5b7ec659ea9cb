using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// The first bytes of an encrypted file: the clear header and the sealed manifest record, <c>32 + manifest length + 16</c>
/// bytes. Enough to learn the file's name and size before downloading the rest (<see cref="Open"/>), and what a key
/// wrap is signed over (<see cref="Sha256"/>, docs/file-format.md, "The file key, per recipient").
/// </summary>
public sealed class FileHead
{
    private readonly byte[] _bytes;
    private byte[]? _sha256;

    private FileHead(FileHeader header, byte[] bytes)
    {
        Header = header;
        _bytes = bytes;
    }

    /// <summary>The header.</summary>
    public FileHeader Header { get; }

    /// <summary>header || manifest record, as stored.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>header || manifest record, for writing.</summary>
    internal ReadOnlyMemory<byte> Memory => _bytes;

    /// <summary>SHA-256(header || manifest record), 32 bytes: what ties a key wrap to this file.</summary>
    public ReadOnlySpan<byte> Sha256 => _sha256 ??= SHA256.HashData(_bytes);

    /// <summary>
    /// Reads the head from the start of <paramref name="data"/> (which may hold more of the file).
    /// </summary>
    /// <exception cref="FileFormatException"><see cref="FileFormatError.BadHeader"/> (record −1), or
    /// <see cref="FileFormatError.Truncated"/> at the header (−1) or the manifest (0).</exception>
    public static FileHead Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < FileHeader.Length) throw new FileFormatException(FileFormatError.Truncated, -1);
        FileHeader header = ReadHeader(data);
        if (data.Length < header.HeadLength) throw new FileFormatException(FileFormatError.Truncated, 0);
        return new FileHead(header, data[..header.HeadLength].ToArray());
    }

    /// <summary>
    /// Reads the head from <paramref name="ciphertext"/>, no further: what follows is chunk 0. Only the header is
    /// checked; <see cref="Open"/> opens the manifest.
    /// </summary>
    /// <exception cref="FileFormatException"><see cref="FileFormatError.BadHeader"/> (record −1), or
    /// <see cref="FileFormatError.Truncated"/> at the header (−1) or the manifest (0).</exception>
    public static async Task<FileHead> ReadAsync(Stream ciphertext, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        byte[] headerBytes = new byte[FileHeader.Length];
        if (await ciphertext.ReadAtLeastAsync(headerBytes, headerBytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < headerBytes.Length)
            throw new FileFormatException(FileFormatError.Truncated, -1);
        FileHeader header = ReadHeader(headerBytes);
        byte[] bytes = new byte[header.HeadLength];                 // at most 32 + 1,324 + 16: the header is checked
        headerBytes.CopyTo(bytes, 0);
        Memory<byte> record = bytes.AsMemory(FileHeader.Length);
        if (await ciphertext.ReadAtLeastAsync(record, record.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < record.Length)
            throw new FileFormatException(FileFormatError.Truncated, 0);
        return new FileHead(header, bytes);
    }

    /// <summary>Opens the manifest and checks it against the rules and the header's size.</summary>
    /// <param name="fileKey">The 32-byte file key (unwrapped with <see cref="FileKeyWrap"/>).</param>
    /// <param name="fileId">The id the server knows the upload by.</param>
    /// <exception cref="FileFormatException"><see cref="FileFormatError.ManifestAuthenticationFailed"/> or
    /// <see cref="FileFormatError.BadManifest"/>, record 0.</exception>
    /// <exception cref="ArgumentException">The key is not 32 bytes, or the file id is not one (<see cref="FileId.IsValid"/>).</exception>
    public FileManifest Open(ReadOnlySpan<byte> fileKey, string fileId)
    {
        using var cipher = new FileRecordCipher(fileKey, Header, fileId);
        return Open(cipher);
    }

    /// <summary>Opens the manifest with <paramref name="cipher"/>, made for this head's header.</summary>
    internal FileManifest Open(FileRecordCipher cipher)
    {
        byte[] manifest = _bytes.AsSpan(FileHeader.Length, Header.ManifestLength).ToArray();
        if (!cipher.TryOpen(0, last: false, manifest, _bytes.AsSpan(FileHeader.Length + Header.ManifestLength, FileHeader.TagLength)))
            throw new FileFormatException(FileFormatError.ManifestAuthenticationFailed, 0);
        if (!FileManifest.TryDecode(manifest, out FileManifest? opened) || opened!.Size != Header.Size)
            throw new FileFormatException(FileFormatError.BadManifest, 0);
        return opened;
    }

    /// <summary>The head of a file being written: <paramref name="bytes"/> is header || manifest record.</summary>
    internal static FileHead Create(FileHeader header, byte[] bytes) => new(header, bytes);

    private static FileHeader ReadHeader(ReadOnlySpan<byte> data) =>
        FileHeader.TryRead(data, out FileHeader header) ? header : throw new FileFormatException(FileFormatError.BadHeader, -1);
}
