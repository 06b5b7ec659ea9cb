using System.Buffers;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// Encrypts a file in the format of docs/file-format.md, in constant memory (one buffer of a chunk, pooled and cleared
/// after use). The sender's steps:
/// <code>
///   byte[] key = FileEncryptor.NewFileKey();  string id = FileId.New();
///   FileManifest manifest = await FileManifest.ComputeAsync(plaintext, name, mediaType);   // pass 1: size, SHA-256
///   plaintext.Position = 0;
///   FileHead head = await FileEncryptor.EncryptAsync(plaintext, upload, key, id, manifest);   // pass 2
///   string wrap = FileKeyWrap.Wrap(me, key, id, head, recipientUser, recipientDeviceKeys);   // per recipient device
/// </code>
/// For a resumable upload, <see cref="FileEncryptionStream"/> produces the same bytes from any offset.
/// </summary>
/// <remarks>
/// Encryption is deterministic given the key, nonce prefix, file id, manifest, chunk size and plaintext. The plaintext
/// must be the one the manifest was computed from: its size is checked (an <see cref="IOException"/> if it ends early
/// or goes on), its hash is not (recipients would see <see cref="FileFormatError.HashMismatch"/>).
/// </remarks>
public static class FileEncryptor
{
    /// <summary>The file key's length: AES-256.</summary>
    public const int FileKeyLength = 32;

    /// <summary>A new file key from the OS CSPRNG. The caller wipes it once every recipient's wrap is made.</summary>
    public static byte[] NewFileKey() => RandomNumberGenerator.GetBytes(FileKeyLength);

    /// <summary>
    /// The encrypted file's length, known before encrypting (the tus <c>Upload-Length</c>):
    /// <c>32 + manifest length + 16 + size + 16 × n</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size is out of range, or the file would need more than 2^32 − 1 chunks of it.</exception>
    public static long EncryptedLength(FileManifest manifest, int chunkSize = FileHeader.DefaultChunkSize) =>
        CreateHeader(manifest, 0, chunkSize).EncryptedLength;

    /// <summary>The header of <paramref name="manifest"/>'s file.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk size is out of range, or the file would need more than 2^32 − 1 chunks of it.</exception>
    public static FileHeader CreateHeader(FileManifest manifest, ulong noncePrefix, int chunkSize = FileHeader.DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, FileHeader.MinChunkSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSize, FileHeader.MaxChunkSize);
        var header = new FileHeader(chunkSize, noncePrefix, manifest.EncodedLength, manifest.Size);
        if (!header.IsValid) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "The file would need more than 2^32 − 1 chunks of this size.");
        return header;
    }

    /// <summary>
    /// The first bytes of the encrypted file (header and sealed manifest), without reading the plaintext: what a key
    /// wrap is signed over, for a file encrypted with this nonce prefix.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes, the file id is not one, or the chunk size is out of range.</exception>
    public static FileHead CreateHead(ReadOnlySpan<byte> fileKey, string fileId, FileManifest manifest, ulong noncePrefix, int chunkSize = FileHeader.DefaultChunkSize)
    {
        FileHeader header = CreateHeader(manifest, noncePrefix, chunkSize);
        using var cipher = new FileRecordCipher(fileKey, header, fileId);
        return SealHead(cipher, header, manifest);
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> (from where it is, <see cref="FileManifest.Size"/> bytes, then its end)
    /// to <paramref name="output"/> under a new random nonce prefix.
    /// </summary>
    /// <param name="plaintext">The file, as hashed into <paramref name="manifest"/>.</param>
    /// <param name="output">Receives <see cref="EncryptedLength"/> bytes.</param>
    /// <param name="fileKey">The 32-byte file key.</param>
    /// <param name="fileId">The id the server will know the upload by (<see cref="FileId.New"/>).</param>
    /// <param name="manifest">The file's name, media type, size and SHA-256 (<see cref="FileManifest.ComputeAsync"/>).</param>
    /// <param name="chunkSize">Plaintext bytes per chunk, 64 to 64 MiB.</param>
    /// <param name="progress">Told the plaintext bytes encrypted so far, after each chunk.</param>
    /// <param name="cancellationToken">Stops the encryption; the output is then incomplete.</param>
    /// <returns>The head written (header and sealed manifest), for <see cref="FileKeyWrap.Wrap"/>.</returns>
    /// <exception cref="ArgumentException">The key is not 32 bytes, the file id is not one, or the chunk size is out of range.</exception>
    /// <exception cref="IOException">The plaintext is shorter or longer than the manifest says (or the streams fail).</exception>
    public static Task<FileHead> EncryptAsync(Stream plaintext, Stream output, ReadOnlyMemory<byte> fileKey, string fileId, FileManifest manifest,
        int chunkSize = FileHeader.DefaultChunkSize, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        EncryptAsync(plaintext, output, fileKey, fileId, manifest, FileHeader.NewNoncePrefix(), chunkSize, progress, cancellationToken);

    /// <summary>
    /// As <see cref="EncryptAsync(Stream, Stream, ReadOnlyMemory{byte}, string, FileManifest, int, IProgress{long}?, CancellationToken)"/>,
    /// with the given nonce prefix: the same inputs give the same bytes. Never reuse a prefix with this key for other plaintext.
    /// </summary>
    public static async Task<FileHead> EncryptAsync(Stream plaintext, Stream output, ReadOnlyMemory<byte> fileKey, string fileId, FileManifest manifest,
        ulong noncePrefix, int chunkSize = FileHeader.DefaultChunkSize, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(output);
        FileHeader header = CreateHeader(manifest, noncePrefix, chunkSize);
        using var cipher = new FileRecordCipher(fileKey.Span, header, fileId);
        FileHead head = SealHead(cipher, header, manifest);
        await output.WriteAsync(head.Memory, cancellationToken).ConfigureAwait(false);

        // One chunk, sealed in place, and its tag apart: a 4 MiB chunk and 16 bytes would take an 8 MiB pooled array.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxChunkLength(header));
        byte[] tag = new byte[FileHeader.TagLength];
        try
        {
            long count = header.ChunkCount, done = 0;
            for (long i = 0; i < count; i++)
            {
                int length = header.ChunkLength(i);
                bool last = i == count - 1;
                await ReadPlaintextAsync(plaintext, buffer.AsMemory(0, length), done, header.Size, last, cancellationToken).ConfigureAwait(false);
                cipher.Seal(i + 1, last, buffer.AsSpan(0, length), tag);
                await output.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(tag, cancellationToken).ConfigureAwait(false);
                done += length;
                progress?.Report(done);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
        return head;
    }

    /// <summary>Header || manifest record, the manifest sealed as record 0.</summary>
    internal static FileHead SealHead(FileRecordCipher cipher, FileHeader header, FileManifest manifest)
    {
        byte[] bytes = new byte[header.HeadLength];
        header.Write(bytes);
        Span<byte> record = bytes.AsSpan(FileHeader.Length, header.ManifestLength);
        manifest.Encode().CopyTo(record);
        cipher.Seal(0, last: false, record, bytes.AsSpan(FileHeader.Length + header.ManifestLength, FileHeader.TagLength));
        return FileHead.Create(header, bytes);
    }

    /// <summary>The largest chunk of this file: the chunk size, or less for a file smaller than a chunk.</summary>
    internal static int MaxChunkLength(FileHeader header) => (int)Math.Min(header.ChunkSize, header.Size);

    /// <summary>Fills <paramref name="chunk"/> from the plaintext; for the last chunk, also checks that the plaintext ends there.</summary>
    internal static async ValueTask ReadPlaintextAsync(Stream plaintext, Memory<byte> chunk, long offset, long size, bool last, CancellationToken cancellationToken)
    {
        int read = await plaintext.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < chunk.Length) throw EndedEarly(offset + read, size);
        if (last && await plaintext.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false) > 0) throw GoesOn(size);
    }

    /// <summary>The synchronous <see cref="ReadPlaintextAsync"/>.</summary>
    internal static void ReadPlaintext(Stream plaintext, Span<byte> chunk, long offset, long size, bool last)
    {
        int read = plaintext.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
        if (read < chunk.Length) throw EndedEarly(offset + read, size);
        Span<byte> probe = stackalloc byte[1];
        if (last && plaintext.Read(probe) > 0) throw GoesOn(size);
    }

    private static IOException EndedEarly(long at, long size) =>
        new($"The plaintext ended after {at} bytes; its manifest says {size}. Did the file change?");

    private static IOException GoesOn(long size) =>
        new($"The plaintext goes on past the {size} bytes its manifest says. Did the file change?");
}
