namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="FileGrain"/>; the default (no owner) means no file under this id.</summary>
[GenerateSerializer, Immutable, Alias("file-state")]
public sealed record FileState
{
    /// <summary>The owner, or null while there is no file.</summary>
    [Id(0)] public string? OwnerUserId { get; init; }

    /// <summary>The declared ciphertext length in bytes.</summary>
    [Id(1)] public long Length { get; init; }

    /// <summary>How many bytes the staged blocks hold.</summary>
    [Id(2)] public long Offset { get; init; }

    /// <summary>True once the blob is committed.</summary>
    [Id(3)] public bool Complete { get; init; }

    /// <summary>When the upload was created.</summary>
    [Id(4)] public DateTimeOffset Created { get; init; }

    /// <summary>The upload's expiry until complete, then the file's.</summary>
    [Id(5)] public DateTimeOffset Expires { get; init; }

    // The staged blocks are two parallel arrays rather than StagedBlock records: the JSON storage serializer writes a
    // type name and reference id with every object, which would more than double the stored size of a long upload.

    /// <summary>The staged blocks' ids in upload order, at most <see cref="FileLimits.MaxBlocks"/>; empty once complete.</summary>
    [Id(6)] public IReadOnlyList<string> BlockIds { get; init; } = Array.Empty<string>();

    /// <summary>The staged blocks' lengths, one per <see cref="BlockIds"/> entry.</summary>
    [Id(7)] public IReadOnlyList<long> BlockLengths { get; init; } = Array.Empty<long>();

    /// <summary>The wrapped keys, at most <see cref="FileLimits.MaxKeys"/>, one per (user, device).</summary>
    [Id(8)] public IReadOnlyList<WrappedFileKey> Keys { get; init; } = Array.Empty<WrappedFileKey>();

    /// <summary>The audit log, oldest first, at most <see cref="FileLimits.MaxAuditEntries"/>.</summary>
    [Id(9)] public IReadOnlyList<FileDownload> Downloads { get; init; } = Array.Empty<FileDownload>();

    /// <summary>How many of the file's first bytes the upload sends last (0: in file order); see
    /// <see cref="IFileGrain.CreateAsync"/>.</summary>
    [Id(10)] public long HeadLast { get; init; }
}
