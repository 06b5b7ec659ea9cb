using System.Buffers;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// Decrypts a file in the format of docs/file-format.md ("Decrypting"), in constant memory: two pooled buffers of a
/// chunk, taken only once the manifest (and so the header) authenticated, and cleared after use.
/// </summary>
/// <remarks>
/// <para>Each record is read whole (the header fixes its length) and opened in place; its plaintext is written only once
/// its tag verified, with a running SHA-256. The next record is read and opened while one is hashed (on another core)
/// and written, so the hash, the slowest pass without SHA extensions, is not added to the rest. After the last chunk
/// the reader checks that nothing follows, then the hash.
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
        int maxChunk = FileEncryptor.MaxChunkLength(header);
        byte[] opening = ArrayPool<byte>.Shared.Rent(maxChunk);             // read and opened here
        byte[] flushing = ArrayPool<byte>.Shared.Rent(maxChunk);            // the chunk before, being hashed and written
        byte[] tag = new byte[FileHeader.TagLength];
        Task flushed = Task.CompletedTask;
        try
        {
            long count = header.ChunkCount, done = 0;
            int previous = 0;
            for (long i = 0; i < count; i++)
            {
                int length = header.ChunkLength(i);
                bool last = i == count - 1;
                if (await chunks.ReadAtLeastAsync(opening.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < length
                    || await chunks.ReadAtLeastAsync(tag, tag.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < tag.Length)
                    throw new FileFormatException(FileFormatError.Truncated, i + 1);
                if (!cipher.TryOpen(i + 1, last, opening.AsSpan(0, length), tag))
                    throw new FileFormatException(FileFormatError.ChunkAuthenticationFailed, i + 1);
                await flushed.ConfigureAwait(false);
                if (i > 0) progress?.Report(done += previous);
                (opening, flushing) = (flushing, opening);
                flushed = HashAndWriteAsync(hash, output, flushing.AsMemory(0, length), cancellationToken);
                previous = length;
            }
            await flushed.ConfigureAwait(false);
            if (count > 0) progress?.Report(done + previous);
            if (await chunks.ReadAsync(tag.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
                throw new FileFormatException(FileFormatError.TrailingData, count + 1);
            byte[] digest = hash.GetHashAndReset();
            if (!CryptographicOperations.FixedTimeEquals(digest, manifest.Sha256))
                throw new FileFormatException(FileFormatError.HashMismatch, count);
        }
        finally
        {
            // A chunk still being written keeps its buffer until it is done (its failure is the caller's already, or moot).
            await flushed.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(opening, clearArray: true);
            ArrayPool<byte>.Shared.Return(flushing, clearArray: true);
        }
        return manifest;
    }

    /// <summary>A chunk's plaintext, authenticated: into the running SHA-256 (on another core) while it is written.</summary>
    private static async Task HashAndWriteAsync(IncrementalHash hash, Stream output, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken)
    {
        Task hashing = Task.Run(() => hash.AppendData(plaintext.Span), CancellationToken.None);
        try
        {
            await output.WriteAsync(plaintext, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await hashing.ConfigureAwait(false);
        }
    }

    private static void CheckArguments(ReadOnlyMemory<byte> fileKey, string fileId)
    {
        if (fileKey.Length != FileEncryptor.FileKeyLength) throw new ArgumentException($"A file key is {FileEncryptor.FileKeyLength} bytes.", nameof(fileKey));
        if (!FileId.IsValid(fileId)) throw new ArgumentException("A file id is 1 to 64 characters of A–Z a–z 0–9 - _.", nameof(fileId));
    }
}
