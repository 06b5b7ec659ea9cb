using System.Buffers;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// Decrypts a file in the format of docs/file-format.md ("Decrypting"), in constant memory: one pooled buffer of a
/// chunk, taken only once the manifest (and so the header) authenticated, and cleared after use.
/// </summary>
/// <remarks>
/// <para>Each record is read whole (the header fixes its length) and opened in place; its plaintext is written only once
/// its tag verified, with a running SHA-256. After the last chunk the reader checks that nothing follows, then the hash.
/// Whatever the data holds, the only exception is <see cref="FileFormatException"/> (besides the streams' own, and
/// cancellation).</para>
/// <para>Plaintext written before an error must be discarded: write to a temporary file and keep it only once this
/// returns.</para>
/// <para>To show the name before downloading everything: <see cref="FileHead.ReadAsync"/> the first bytes,
/// <see cref="FileKeyWrap"/>.TryUnwrap the key against that head, <see cref="FileHead.Open"/> the manifest, then
/// <see cref="DecryptAsync(FileHead, Stream, Stream, ReadOnlyMemory{byte}, string, IProgress{long}?, CancellationToken)"/>
/// the rest of the same stream.</para>
/// </remarks>
public static class FileDecryptor
{
    /// <summary>Decrypts the whole of <paramref name="ciphertext"/> to <paramref name="output"/>.</summary>
    /// <param name="ciphertext">The encrypted file, read from where it is to its end.</param>
    /// <param name="output">Receives the plaintext, chunk by chunk, each once it authenticated.</param>
    /// <param name="fileKey">The 32-byte file key.</param>
    /// <param name="fileId">The id the server knows the upload by.</param>
    /// <param name="progress">Told the plaintext bytes written so far, after each chunk.</param>
    /// <param name="cancellationToken">Stops the decryption; the output is then incomplete.</param>
    /// <returns>The manifest, once the whole file checked out.</returns>
    /// <exception cref="FileFormatException">The file is refused (the error and the record where it occurred).</exception>
    /// <exception cref="ArgumentException">The key is not 32 bytes, or the file id is not one (<see cref="FileId.IsValid"/>).</exception>
    public static async Task<FileManifest> DecryptAsync(Stream ciphertext, Stream output, ReadOnlyMemory<byte> fileKey, string fileId,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(output);
        CheckArguments(fileKey, fileId);
        FileHead head = await FileHead.ReadAsync(ciphertext, cancellationToken).ConfigureAwait(false);
        return await DecryptAsync(head, ciphertext, output, fileKey, fileId, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decrypts a file whose head was read already (<see cref="FileHead.ReadAsync"/>): <paramref name="chunks"/> is what
    /// follows it, chunk 0 first.
    /// </summary>
    /// <returns>The manifest, once the whole file checked out.</returns>
    /// <exception cref="FileFormatException">The file is refused (the error and the record where it occurred).</exception>
    /// <exception cref="ArgumentException">The key is not 32 bytes, or the file id is not one (<see cref="FileId.IsValid"/>).</exception>
    public static async Task<FileManifest> DecryptAsync(FileHead head, Stream chunks, Stream output, ReadOnlyMemory<byte> fileKey, string fileId,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(output);
        FileHeader header = head.Header;
        using var cipher = new FileRecordCipher(fileKey.Span, header, fileId);
        FileManifest manifest = head.Open(cipher);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(FileEncryptor.MaxChunkLength(header));
        byte[] tag = new byte[FileHeader.TagLength];
        try
        {
            long count = header.ChunkCount, done = 0;
            for (long i = 0; i < count; i++)
            {
                int length = header.ChunkLength(i);
                bool last = i == count - 1;
                if (await chunks.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length
                    || await chunks.ReadAtLeastAsync(tag, tag.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < tag.Length)
                    throw new FileFormatException(FileFormatError.Truncated, i + 1);
                if (!cipher.TryOpen(i + 1, last, buffer.AsSpan(0, length), tag))
                    throw new FileFormatException(FileFormatError.ChunkAuthenticationFailed, i + 1);
                hash.AppendData(buffer, 0, length);
                await output.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                done += length;
                progress?.Report(done);
            }
            if (await chunks.ReadAsync(tag.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
                throw new FileFormatException(FileFormatError.TrailingData, count + 1);
            byte[] digest = hash.GetHashAndReset();
            if (!CryptographicOperations.FixedTimeEquals(digest, manifest.Sha256))
                throw new FileFormatException(FileFormatError.HashMismatch, count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
        return manifest;
    }

    private static void CheckArguments(ReadOnlyMemory<byte> fileKey, string fileId)
    {
        if (fileKey.Length != FileEncryptor.FileKeyLength) throw new ArgumentException($"A file key is {FileEncryptor.FileKeyLength} bytes.", nameof(fileKey));
        if (!FileId.IsValid(fileId)) throw new ArgumentException("A file id is 1 to 64 characters of A–Z a–z 0–9 - _.", nameof(fileId));
    }
}
