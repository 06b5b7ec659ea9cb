namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="FileExpiryIndexGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("file-expiry-index-state")]
public sealed record FileExpiryIndexState
{
    /// <summary>One entry per file, in no particular order, at most <see cref="FileExpiryShards.MaxEntriesPerShard"/>.</summary>
    [Id(0)] public IReadOnlyList<FileExpiry> Entries { get; init; } = Array.Empty<FileExpiry>();
}
