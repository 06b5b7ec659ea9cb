namespace Conclave.FileStore;

/// <summary>The argument checks every <see cref="IBlobStore"/> entry point makes. Messages never repeat the rejected
/// value: names come from clients and could carry anything.</summary>
internal static class BlobStoreArguments
{
    public static void ThrowIfInvalidName(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        if (!BlobNames.IsValid(blobName))
            throw new ArgumentException($"A blob name is 1 to {BlobNames.MaxLength} characters of A-Z a-z 0-9 - _.", nameof(blobName));
    }

    public static void ThrowIfInvalidBlockId(string blockId)
    {
        ArgumentNullException.ThrowIfNull(blockId);
        if (!BlockIds.IsValid(blockId))
            throw new ArgumentException("Not a block id made by BlockIds.ForOffset.", nameof(blockId));
    }

    public static void ThrowIfInvalidData(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) throw new ArgumentException("A block holds at least one byte.", nameof(data));
    }

    public static void ThrowIfInvalidBlockList(IReadOnlyList<string> blockIds)
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

    public static void ThrowIfInvalidRange(long offset, long? length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "The length is 0 or more (or null: to the end).");
    }
}
