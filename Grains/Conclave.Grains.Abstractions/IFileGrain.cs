namespace Conclave.Grains;

/// <summary>
/// One encrypted document, keyed by its file id (docs/file-format.md): owner, upload state (the blocks staged so far),
/// the committed blob, recipients with their wrapped file keys (opaque to the server), expiry and the download audit
/// log. Persistent (<see cref="StorageNames.State"/>). Never touches storage bytes: the host stages and commits blocks
/// and tells this grain what it did.
/// <para>
/// The grain keeps the other indexes itself: the owner's quota reservation and the recipients' received lists
/// (<see cref="IUserFilesGrain"/>) and the expiry index (<see cref="IFileExpiryIndexGrain"/>). The host only moves
/// bytes: it deletes the blob when <see cref="DeleteAsync"/> or <see cref="PurgeIfExpiredAsync"/> answer
/// <see cref="FileStatus.Ok"/>. Only those two remove a file; an expired file answers <see cref="FileStatus.NotFound"/>
/// to everything else but stays stored until the host's sweeper purges it (<see cref="IFileExpiryIndexGrain"/>).
/// </para>
/// <para>
/// Every method first checks its arguments (<see cref="FileStatus.Invalid"/>), then that the file exists and has not
/// expired (<see cref="FileStatus.NotFound"/>), then the caller (<see cref="FileStatus.Forbidden"/>).
/// </para>
/// </summary>
public interface IFileGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the upload for <paramref name="ownerUserId"/>: <paramref name="length"/> ciphertext bytes, expiring (if
    /// not completed) at <paramref name="uploadExpires"/>. When <paramref name="headLast"/> is above 0 the upload sends
    /// the file rotated: bytes [<paramref name="headLast"/>, <paramref name="length"/>) first, then the file's first
    /// <paramref name="headLast"/> bytes (docs/files.md, "Head last"); no block may then straddle the point where the head
    /// starts, and <see cref="FileView.Blocks"/> lists the blocks in file order. The grain reserves <paramref name="length"/> bytes against the
    /// owner's <paramref name="quota"/> (<see cref="IUserFilesGrain.ReserveAsync"/>) and registers the expiry.
    /// <see cref="FileStatus.AlreadyExists"/> if the id is taken (also by an expired file not yet purged; no quota is
    /// touched), <see cref="FileStatus.QuotaExceeded"/> if the reservation is refused (<see cref="FileResult.Detail"/>
    /// says why), <see cref="FileStatus.Invalid"/> for a bad file id (the grain key), owner, a length below 1, a
    /// negative quota, an expiry not in the future, or a <paramref name="headLast"/> below 0 or not below the length.
    /// </summary>
    Task<FileResult> CreateAsync(string ownerUserId, long length, DateTimeOffset uploadExpires, long quota, long headLast = 0);

    /// <summary>The file as <paramref name="userId"/> may see it: <see cref="FileStatus.NotFound"/> (unknown or expired),
    /// <see cref="FileStatus.Forbidden"/> (neither owner nor recipient), else the view (the owner sees every key, the
    /// staged blocks and the audit log; a recipient only their own keys, no blocks and no audit log).</summary>
    Task<FileResult> GetAsync(string userId);

    /// <summary>
    /// Records blocks the owner's upload staged, in order, starting at <paramref name="expectedOffset"/>: the offset
    /// advances by their lengths. <see cref="FileStatus.OffsetMismatch"/> if the offset is not the current one (the
    /// result carries the owner's view, whose <see cref="FileView.Offset"/> is the current offset, also told in
    /// <see cref="FileResult.Detail"/>), <see cref="FileStatus.TooLarge"/> past the declared length,
    /// <see cref="FileStatus.Completed"/> once complete, <see cref="FileStatus.Invalid"/> for a block id that is not
    /// 1-<see cref="FileLimits.MaxBlockIdChars"/> characters of base64/base64url or was used before, a length below
    /// 1, a block that straddles the start of a head sent last (<see cref="FileView.HeadLast"/>), or more than
    /// <see cref="FileLimits.MaxBlocks"/> blocks in all. An empty list changes nothing.
    /// </summary>
    Task<FileResult> AppendBlocksAsync(string userId, long expectedOffset, IReadOnlyList<StagedBlock> blocks);

    /// <summary>Marks the upload committed (the host called CommitBlockList with <see cref="FileView.Blocks"/>); the file
    /// expires at <paramref name="expires"/> from then on and the block list is dropped. Only when the offset equals the
    /// length (<see cref="FileStatus.NotComplete"/> otherwise); <see cref="FileStatus.Completed"/> with the view if it
    /// already was (a retry, or another node was first; the expiry stays); <see cref="FileStatus.Invalid"/> for an
    /// expiry not in the future.</summary>
    Task<FileResult> CompleteAsync(string userId, DateTimeOffset expires);

    /// <summary>
    /// The owner adds recipients and their wrapped keys (replacing a key for the same user and device), and the file
    /// appears in each recipient's <see cref="IUserFilesGrain"/> received list. <see cref="FileStatus.Invalid"/> for an
    /// empty list, a bad user id, a device that is not 1-<see cref="FileLimits.MaxDeviceChars"/> characters of
    /// base64/base64url, a wrap that breaks <see cref="FileLimits.MaxWrapChars"/> (printable ASCII, no space, quote or
    /// backslash) or the same user and device twice in one call; <see cref="FileStatus.TooLarge"/> beyond
    /// <see cref="FileLimits.MaxRecipients"/> or <see cref="FileLimits.MaxKeys"/> (nothing is added).
    /// </summary>
    Task<FileResult> AddKeysAsync(string ownerUserId, IReadOnlyList<WrappedFileKey> keys);

    /// <summary>Checks that <paramref name="userId"/> may download the committed file and records it in the audit log
    /// (with <paramref name="range"/>, e.g. "bytes=0-99", or null for the whole; at most
    /// <see cref="FileLimits.MaxRangeChars"/> printable ASCII characters). <see cref="FileStatus.NotComplete"/> before
    /// <see cref="CompleteAsync"/>. The result is the caller's view.</summary>
    Task<FileResult> AuthorizeDownloadAsync(string userId, string? range);

    /// <summary>The owner deletes the file: the state is cleared, the owner's reservation released, the file removed
    /// from the recipients' received lists and from the expiry index, and the result carries the owner's view as it
    /// was so the host can delete the blob (the host does nothing else).</summary>
    Task<FileResult> DeleteAsync(string userId);

    /// <summary>
    /// Clears the file if it has expired (uploads not completed by their expiry, files past theirs), with the same
    /// index updates as <see cref="DeleteAsync"/>: the result is the owner's view as it was (the host then deletes the
    /// blob), or <see cref="FileStatus.NotFound"/> if nothing was removed. Also repairs the expiry index: a file that
    /// has not expired is re-registered at its real expiry, an unknown id is removed from it.
    /// </summary>
    Task<FileResult> PurgeIfExpiredAsync();
}

/// <summary>What happened to a file request.</summary>
public enum FileStatus
{
    Ok,
    NotFound,
    Forbidden,
    AlreadyExists,
    OffsetMismatch,
    TooLarge,
    NotComplete,
    Completed,
    Invalid,

    /// <summary>The owner's quota (or file count, or the server's expiry index) has no room for the new file.</summary>
    QuotaExceeded,
}

/// <summary>The outcome of a file request, with the file's view when <see cref="FileStatus.Ok"/> (and the owner's view
/// with <see cref="FileStatus.OffsetMismatch"/> and <see cref="FileStatus.Completed"/>, so a retry can carry on), and a
/// human-readable reason for some refusals.</summary>
[GenerateSerializer, Immutable, Alias("file-result")]
public sealed record FileResult([property: Id(0)] FileStatus Status, [property: Id(1)] FileView? File = null, [property: Id(2)] string? Detail = null);

/// <summary>A block staged into the blob store: its id (as given to StageBlock) and its length in bytes.</summary>
[GenerateSerializer, Immutable, Alias("staged-block")]
public sealed record StagedBlock([property: Id(0)] string BlockId, [property: Id(1)] long Length);

/// <summary>
/// A file key wrapped for one device of one recipient: the wrap is opaque to the server (docs/file-format.md, "The
/// file key, per recipient"); <see cref="Device"/> is the base64 SHA-256 of that device's registered public keys.
/// </summary>
[GenerateSerializer, Immutable, Alias("wrapped-file-key")]
public sealed record WrappedFileKey([property: Id(0)] string UserId, [property: Id(1)] string Device, [property: Id(2)] string Wrap);

/// <summary>One download: who, when, and which range (null: the whole file).</summary>
[GenerateSerializer, Immutable, Alias("file-download")]
public sealed record FileDownload([property: Id(0)] string UserId, [property: Id(1)] DateTimeOffset At, [property: Id(2)] string? Range);

/// <summary>A file as its viewer may see it. <see cref="Blocks"/> is the staged block list while uploading, in file
/// order, the order to commit them in (empty once complete, and always for a recipient); <see cref="Downloads"/> is the
/// audit log, oldest first (empty for a recipient). <see cref="HeadLast"/>: how many of the file's first bytes the
/// upload sends after all the others (0: the upload is in file order); <see cref="Offset"/> counts the bytes received
/// in upload order either way.</summary>
[GenerateSerializer, Immutable, Alias("file-view")]
public sealed record FileView(
    [property: Id(0)] string FileId,
    [property: Id(1)] string OwnerUserId,
    [property: Id(2)] long Length,
    [property: Id(3)] long Offset,
    [property: Id(4)] bool Complete,
    [property: Id(5)] DateTimeOffset Created,
    [property: Id(6)] DateTimeOffset Expires,
    [property: Id(7)] IReadOnlyList<StagedBlock> Blocks,
    [property: Id(8)] IReadOnlyList<WrappedFileKey> Keys,
    [property: Id(9)] IReadOnlyList<FileDownload> Downloads,
    [property: Id(10)] long HeadLast);

/// <summary>
/// Bounds on file state. One file's state is one storage record, and Azure Table storage (the clustered
/// deployment's provider) holds at most 960 KiB of serialized state per record, so the limits are chosen for the
/// worst case to fit: <see cref="MaxKeys"/> keys of the longest user id, device and wrap (about 600 KB as stored by
/// the JSON storage serializer, which adds a type name to every object), plus either <see cref="MaxBlocks"/> staged
/// blocks (while uploading; about 270 KB) or <see cref="MaxAuditEntries"/> downloads (once complete; about 230 KB).
/// The test <c>FileStateSizeTests</c> checks it with the silo's own storage serializer.
/// </summary>
public static class FileLimits
{
    /// <summary>Longest file id: 1 to 64 characters of <c>A–Z a–z 0–9 - _</c> (docs/file-format.md).</summary>
    public const int MaxFileIdChars = 64;

    /// <summary>Most recipients (distinct users holding keys, the owner's own devices included) of one file.</summary>
    public const int MaxRecipients = 64;

    /// <summary>Most wrapped keys (devices) of one file.</summary>
    public const int MaxKeys = 128;

    /// <summary>Longest wrap, in characters (an X-Wing wrap with its signature is about 1,700).</summary>
    public const int MaxWrapChars = 4_096;

    /// <summary>Longest device of a wrapped key (a base64 SHA-256 is 44 characters).</summary>
    public const int MaxDeviceChars = 64;

    /// <summary>Most downloads kept in the audit log (the oldest are dropped beyond it).</summary>
    public const int MaxAuditEntries = 400;

    /// <summary>Longest range recorded with a download ("bytes=" and two 19-digit offsets take 45).</summary>
    public const int MaxRangeChars = 64;

    /// <summary>Most staged blocks of one upload. A block blob allows 50,000, but the list lives in the file's state:
    /// with 8 MiB blocks a 10 GiB upload takes 1,280 (plus one short block per PATCH that ends mid-block, so 3,000
    /// leave room for PATCHes of 5 MiB and more).</summary>
    public const int MaxBlocks = 3_000;

    /// <summary>Longest block id (Azure: at most 64 bytes before base64, all of one blob's ids of one length).</summary>
    public const int MaxBlockIdChars = 64;

    /// <summary>Most files one user owns at a time (uploads included); <see cref="IUserFilesGrain.ReserveAsync"/>
    /// refuses more.</summary>
    public const int MaxOwnedFiles = 1_000;

    /// <summary>Most files kept in one user's received list; beyond it the oldest entry is dropped (the file itself
    /// stays readable by id).</summary>
    public const int MaxReceivedFiles = 2_000;
}
