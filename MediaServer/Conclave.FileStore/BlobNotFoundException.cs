namespace Conclave.FileStore;

/// <summary>There is no committed blob of the name asked for (staged blocks alone do not make one).</summary>
public sealed class BlobNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="blobName"/>.</summary>
    /// <param name="blobName">The blob that was not found.</param>
    public BlobNotFoundException(string blobName)
        : base($"There is no committed blob named '{blobName}'.")
    {
        BlobName = blobName;
    }

    /// <summary>The blob that was not found.</summary>
    public string BlobName { get; }
}
