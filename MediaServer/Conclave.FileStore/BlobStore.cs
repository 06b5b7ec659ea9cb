namespace Conclave.FileStore;

/// <summary>
/// The argument checks every <see cref="IBlobStore"/> makes, in one place: each entry point checks its arguments and
/// throws at once (TAP usage errors), then hands over to the store's own <c>…CoreAsync</c>, whose failures come back
/// through the task. Messages never repeat the rejected value: names come from clients and could carry anything.
/// </summary>
public abstract class BlobStore : IBlobStore
{
    /// <inheritdoc />
    public Task StageBlockAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfInvalidName(blobName);
        ThrowIfInvalidBlockId(blockId);
        ThrowIfInvalidData(data);
        return StageBlockCoreAsync(blobName, blockId, data, cancellationToken);
    }

    /// <inheritdoc />
    public Task CommitAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        ThrowIfInvalidName(blobName);
        ThrowIfInvalidBlockList(blockIds);
        return CommitCoreAsync(blobName, blockIds, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long?> GetLengthAsync(string blobName, CancellationToken cancellationToken)
    {
        ThrowIfInvalidName(blobName);
        return GetLengthCoreAsync(blobName, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        ThrowIfInvalidName(blobName);
        ThrowIfInvalidRange(offset, length);
        return OpenReadCoreAsync(blobName, offset, length, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string blobName, CancellationToken cancellationToken)
    {
        ThrowIfInvalidName(blobName);
        return DeleteCoreAsync(blobName, cancellationToken);
    }

    /// <summary><see cref="StageBlockAsync"/> with checked arguments.</summary>
    protected abstract Task StageBlockCoreAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary><see cref="CommitAsync"/> with checked arguments.</summary>
    protected abstract Task CommitCoreAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken);

    /// <summary><see cref="GetLengthAsync"/> with checked arguments.</summary>
    protected abstract Task<long?> GetLengthCoreAsync(string blobName, CancellationToken cancellationToken);

    /// <summary><see cref="OpenReadAsync"/> with checked arguments.</summary>
    protected abstract Task<Stream> OpenReadCoreAsync(string blobName, long offset, long? length, CancellationToken cancellationToken);

    /// <summary><see cref="DeleteAsync"/> with checked arguments.</summary>
    protected abstract Task DeleteCoreAsync(string blobName, CancellationToken cancellationToken);

    private static void ThrowIfInvalidName(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (!BlobNames.IsValid(blobName))
            throw new ArgumentException($"A blob name is 1 to {BlobNames.MaxLength} characters of A-Z a-z 0-9 - _.", nameof(blobName));
    }

    private static void ThrowIfInvalidBlockId(string blockId)
    {
        ArgumentNullException.ThrowIfNull(blockId);
        if (!BlockIds.IsValid(blockId))
            throw new ArgumentException("Not a block id made by BlockIds.ForOffset.", nameof(blockId));
    }

    private static void ThrowIfInvalidData(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) throw new ArgumentException("A block holds at least one byte.", nameof(data));
    }

    private static void ThrowIfInvalidBlockList(IReadOnlyList<string> blockIds)
    {
        ArgumentNullException.ThrowIfNull(blockIds);
        if (blockIds.Count > BlockIds.MaxBlocksPerBlob)
            throw new ArgumentException($"A blob has at most {BlockIds.MaxBlocksPerBlob} blocks.", nameof(blockIds));
        var seen = new HashSet<string>(blockIds.Count, StringComparer.Ordinal);
        for (int i = 0; i < blockIds.Count; i++)
        {
            string id = blockIds[i];
            if (!BlockIds.IsValid(id)) throw new ArgumentException($"Entry {i} is not a block id made by BlockIds.ForOffset.", nameof(blockIds));
            if (!seen.Add(id)) throw new ArgumentException($"Entry {i} repeats a block id.", nameof(blockIds));
        }
    }

    private static void ThrowIfInvalidRange(long offset, long? length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "The length is 0 or more (or null: to the end).");
    }
}
