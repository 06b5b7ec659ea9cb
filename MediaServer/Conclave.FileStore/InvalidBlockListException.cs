namespace Conclave.FileStore;

/// <summary>
/// A commit listed a block that is not staged: it never was, or an earlier commit or delete of the blob discarded it.
/// The blob did not change.
/// </summary>
public sealed class InvalidBlockListException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="blobName"/>.</summary>
    /// <param name="blobName">The blob being committed.</param>
    /// <param name="blockId">The first listed block found missing, or null if the store did not say which.</param>
    public InvalidBlockListException(string blobName, string? blockId)
        : base(blockId is null
            ? $"A block listed for blob '{blobName}' is not staged."
            : $"Block '{blockId}' listed for blob '{blobName}' is not staged.")
    {
        BlobName = blobName;
        BlockId = blockId;
    }

    /// <summary>The blob being committed.</summary>
    public string BlobName { get; }

    /// <summary>The first listed block found missing, or null if the store did not say which.</summary>
    public string? BlockId { get; }
}
