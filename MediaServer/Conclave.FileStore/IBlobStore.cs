namespace Conclave.FileStore;

/// <summary>
/// Block blob storage for encrypted files: an upload stages one block per piece of ciphertext (invisible until
/// committed), then commits the list of blocks that makes the blob. Implementations: <see cref="AzureBlobStore"/> and
/// <see cref="LocalDirectoryBlobStore"/>, which pass the same contract tests.
/// <para>
/// Blob names follow <see cref="BlobNames.IsValid"/> and block ids <see cref="BlockIds.IsValid"/>; every method checks
/// them and throws <see cref="ArgumentException"/> otherwise, from the call itself before any I/O (other failures fault
/// the returned task). A committed blob is never seen half-written: a reader gets
/// the whole of one committed version. The host serializes operations on one blob (one upload per file id); operations
/// on different blobs may run concurrently. Nothing here loads a whole blob into memory.
/// </para>
/// </summary>
public interface IBlobStore
{
    /// <summary>Stages one block of <paramref name="blobName"/> (invisible until committed). Staging the same block id
    /// again replaces it.</summary>
    /// <param name="blobName">The blob the block belongs to (<see cref="BlobNames.IsValid"/>).</param>
    /// <param name="blockId">The block's id (<see cref="BlockIds.IsValid"/>), normally <see cref="BlockIds.ForOffset"/>
    /// of the block's first ciphertext byte.</param>
    /// <param name="data">The block's bytes, at least one; not modified and not kept after the returned task
    /// completes.</param>
    /// <param name="cancellationToken">Cancels the operation; the block is then either staged whole or not at all.</param>
    /// <exception cref="ArgumentException">An invalid name or id, or empty <paramref name="data"/>.</exception>
    Task StageBlockAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Makes the blob exactly these staged blocks, in order (replacing any committed content); uncommitted blocks
    /// not listed are discarded.</summary>
    /// <remarks>Committing again the very list that made the current blob, with none of its blocks staged anew, is taken
    /// as the retry of a commit that already happened: it succeeds and changes nothing. So a host that stopped between
    /// committing and recording the commit can simply commit again. Any other use of blocks of an earlier commit throws
    /// <see cref="InvalidBlockListException"/>: stage them anew.</remarks>
    /// <param name="blobName">The blob (<see cref="BlobNames.IsValid"/>).</param>
    /// <param name="blockIds">The blocks, in blob order: each staged since the blob was last committed or deleted, none
    /// twice, at most <see cref="BlockIds.MaxBlocksPerBlob"/>. An empty list makes an empty blob.</param>
    /// <param name="cancellationToken">Cancels the operation; the blob is then either the old or the new one.</param>
    /// <exception cref="ArgumentException">An invalid name or id, a duplicate id, or too many blocks.</exception>
    /// <exception cref="InvalidBlockListException">A listed block is not staged (and this is no retry, see remarks);
    /// nothing changed.</exception>
    Task CommitAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken);

    /// <summary>The committed blob's length, or null if there is none.</summary>
    /// <param name="blobName">The blob (<see cref="BlobNames.IsValid"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The length in bytes of the committed blob; null if there is none (staged blocks alone do not make
    /// one).</returns>
    /// <exception cref="ArgumentException">An invalid name.</exception>
    Task<long?> GetLengthAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>Reads the committed blob from <paramref name="offset"/>, <paramref name="length"/> bytes (null: to the
    /// end), as a stream the caller disposes. Throws <see cref="BlobNotFoundException"/> if there is no committed
    /// blob.</summary>
    /// <remarks>The range is clamped to the blob, like a read past the end of a file: a range that runs past the end
    /// yields the bytes up to the end, and an <paramref name="offset"/> at or past the end yields an empty stream. A
    /// caller that must tell these apart (HTTP 416) compares with <see cref="GetLengthAsync"/> first. The stream is
    /// read-only and not seekable, and reads the version of the blob that was committed when it was opened.</remarks>
    /// <param name="blobName">The blob (<see cref="BlobNames.IsValid"/>).</param>
    /// <param name="offset">The first byte to read, 0 or more.</param>
    /// <param name="length">How many bytes to read at most, 0 or more; null reads to the end.</param>
    /// <param name="cancellationToken">Cancels opening the stream (reads take their own token).</param>
    /// <returns>A stream of the range's bytes; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">An invalid name, or a negative <paramref name="offset"/> or
    /// <paramref name="length"/> (<see cref="ArgumentOutOfRangeException"/>).</exception>
    /// <exception cref="BlobNotFoundException">There is no committed blob of that name.</exception>
    Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>Deletes the committed blob and any staged blocks; nothing happens if there are none.</summary>
    /// <param name="blobName">The blob (<see cref="BlobNames.IsValid"/>).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="ArgumentException">An invalid name.</exception>
    Task DeleteAsync(string blobName, CancellationToken cancellationToken);
}
