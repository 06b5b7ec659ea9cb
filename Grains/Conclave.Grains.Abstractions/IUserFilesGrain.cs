namespace Conclave.Grains;

/// <summary>
/// The files of one user, keyed by user id: those they own (with the bytes each reserves against their quota) and those
/// shared with them. The index behind <c>GET /api/files</c> and the per-user quota. Persistent.
/// <para>
/// <see cref="IFileGrain"/> keeps this index up to date (create, add keys, delete, purge); the host only reads it
/// (<see cref="ListAsync"/>). An id listed here may name a file that is gone or expired (a crash between the file's
/// removal and this update, or between a reservation and the file's creation): callers look each one up and skip
/// those answering <see cref="FileStatus.NotFound"/> (or, for a received id, <see cref="FileStatus.Forbidden"/>). They
/// may also prune them with <see cref="ReleaseAsync"/> or <see cref="RemoveReceivedAsync"/>, which is safe: a file
/// grain answers only after a create or share in progress has finished, and an expired file's purge releases again
/// harmlessly. Arguments that break the rules (a file id that is not 1-<see cref="FileLimits.MaxFileIdChars"/>
/// characters of <c>A–Z a–z 0–9 - _</c>, a negative size, a bad user id as key) are caller bugs and throw
/// <see cref="ArgumentException"/>.
/// </para>
/// </summary>
public interface IUserFilesGrain : IGrainWithStringKey
{
    /// <summary>Reserves <paramref name="bytes"/> for a new owned file if the user's total stays within <paramref name="quota"/>
    /// bytes and they own fewer than <see cref="FileLimits.MaxOwnedFiles"/> files; false (nothing reserved) otherwise.
    /// Reserving the same file id again replaces its reservation (a refused replacement keeps the old one).</summary>
    Task<bool> ReserveAsync(string fileId, long bytes, long quota);

    /// <summary>Forgets an owned file and frees its reservation (nothing happens for an id not owned).</summary>
    Task ReleaseAsync(string fileId);

    /// <summary>Records that <paramref name="fileId"/> was shared with this user (once; beyond
    /// <see cref="FileLimits.MaxReceivedFiles"/> the oldest entry is dropped).</summary>
    Task AddReceivedAsync(string fileId);

    /// <summary>Forgets a received file (deleted or expired).</summary>
    Task RemoveReceivedAsync(string fileId);

    /// <summary>The owned and received file ids (each oldest first), and the bytes reserved.</summary>
    Task<UserFiles> ListAsync();
}

/// <summary>A user's files.</summary>
[GenerateSerializer, Immutable, Alias("user-files")]
public sealed record UserFiles(
    [property: Id(0)] IReadOnlyList<string> Owned,
    [property: Id(1)] IReadOnlyList<string> Received,
    [property: Id(2)] long ReservedBytes);
