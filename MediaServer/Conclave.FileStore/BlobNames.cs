using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Conclave.FileStore;

/// <summary>
/// Blob names: the host names each blob after its file id (docs/file-format.md), 1 to 64 characters of
/// <c>A–Z a–z 0–9 - _</c>. Such a name is a valid Azure blob name and a safe file name (no separator, no dot, never
/// <c>.</c> or <c>..</c>); both stores reject any other.
/// </summary>
public static class BlobNames
{
    /// <summary>The longest blob name, in characters.</summary>
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>Whether <paramref name="blobName"/> is 1 to 64 characters of <c>A–Z a–z 0–9 - _</c>.</summary>
    /// <param name="blobName">The name to check; null is not valid.</param>
    public static bool IsValid([NotNullWhen(true)] string? blobName) =>
        blobName is { Length: > 0 and <= MaxLength } && !blobName.AsSpan().ContainsAnyExcept(Allowed);
}
