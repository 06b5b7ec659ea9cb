namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="UserFilesGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("user-files-state")]
public sealed record UserFilesState
{
    /// <summary>Owned files with their reservations, oldest first, at most <see cref="FileLimits.MaxOwnedFiles"/>.</summary>
    [Id(0)] public IReadOnlyList<OwnedFile> Owned { get; init; } = Array.Empty<OwnedFile>();

    /// <summary>Ids of files shared with the user, oldest first, at most <see cref="FileLimits.MaxReceivedFiles"/>.</summary>
    [Id(1)] public IReadOnlyList<string> Received { get; init; } = Array.Empty<string>();
}
