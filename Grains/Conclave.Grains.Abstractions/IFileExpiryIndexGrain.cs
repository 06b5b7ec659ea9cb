using System.Globalization;

namespace Conclave.Grains;

/// <summary>
/// One shard of the file expiry index, keyed by <see cref="FileExpiryShards.Key"/>: which files expire when, so the
/// host can purge files nobody touches again (grains never delete blobs, and no reminder service is needed).
/// Persistent.
/// <para>
/// Only <see cref="IFileGrain"/> writes it: <see cref="AddAsync"/> on create (before the file is stored) and on
/// complete (after), <see cref="RemoveAsync"/> after a delete or purge. So an entry is never later than its file's
/// expiry, but it may be early (the file's expiry moved and the update was lost) or name a file that is gone;
/// <see cref="IFileGrain.PurgeIfExpiredAsync"/> repairs both, which makes the host's sweep the whole repair:
/// </para>
/// <code>
/// // Every minute or so (TimeProvider for now):
/// for (int shard = 0; shard &lt; FileExpiryShards.Count; shard++)
/// {
///     var index = grains.GetGrain&lt;IFileExpiryIndexGrain&gt;(FileExpiryShards.Key(shard));
///     foreach (FileExpiry due in await index.DueAsync(now, FileExpiryShards.MaxDue))
///     {
///         FileResult purged = await grains.GetGrain&lt;IFileGrain&gt;(due.FileId).PurgeIfExpiredAsync();
///         if (purged.Status == FileStatus.Ok) await blobs.DeleteIfExistsAsync(due.FileId); // uncommitted blocks too
///     }
/// }
/// </code>
/// <para>
/// A due entry whose purge throws stays due and is retried by the next sweep. Sweeping from several nodes at once is
/// safe (each file grain purges once; the others answer <see cref="FileStatus.NotFound"/>).
/// </para>
/// </summary>
public interface IFileExpiryIndexGrain : IGrainWithStringKey
{
    /// <summary>Records (or moves) the expiry of <paramref name="fileId"/>; false if the id is new and the shard already
    /// holds <see cref="FileExpiryShards.MaxEntriesPerShard"/> entries.</summary>
    Task<bool> AddAsync(string fileId, DateTimeOffset expires);

    /// <summary>Forgets <paramref name="fileId"/> (nothing happens if it is not listed).</summary>
    Task RemoveAsync(string fileId);

    /// <summary>Up to <paramref name="max"/> (1-<see cref="FileExpiryShards.MaxDue"/>) entries expiring at or before
    /// <paramref name="now"/>, earliest first. Reading removes nothing: entries leave when their file is purged.</summary>
    Task<IReadOnlyList<FileExpiry>> DueAsync(DateTimeOffset now, int max);
}

/// <summary>A file and when it expires.</summary>
[GenerateSerializer, Immutable, Alias("file-expiry")]
public sealed record FileExpiry([property: Id(0)] string FileId, [property: Id(1)] DateTimeOffset Expires);

/// <summary>
/// How file ids map to expiry index shards. One shard's entries are one storage record (Azure Table storage holds
/// 960 KiB): <see cref="MaxEntriesPerShard"/> entries of the longest id fit, so the index holds
/// <see cref="Count"/> × <see cref="MaxEntriesPerShard"/> live files (256,000; uploads included). Changing <see cref="Count"/> moves
/// ids to other shards, so it needs a migration of the stored entries.
/// </summary>
public static class FileExpiryShards
{
    /// <summary>How many shards there are; their keys are <c>Key(0)</c> to <c>Key(Count - 1)</c>.</summary>
    public const int Count = 64;

    /// <summary>Most files one shard lists; <see cref="IFileGrain.CreateAsync"/> answers
    /// <see cref="FileStatus.QuotaExceeded"/> when the file's shard is full.</summary>
    public const int MaxEntriesPerShard = 4_000;

    /// <summary>Most entries one <see cref="IFileExpiryIndexGrain.DueAsync"/> returns.</summary>
    public const int MaxDue = 1_000;

    /// <summary>The grain key of shard <paramref name="shard"/> (0 to <see cref="Count"/> - 1).</summary>
    public static string Key(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Count);
        return shard.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The shard of <paramref name="fileId"/>: FNV-1a (32-bit) over its UTF-16 code units, modulo
    /// <see cref="Count"/>. Stable across processes and versions (unlike <see cref="string.GetHashCode()"/>).</summary>
    public static int ShardOf(string fileId)
    {
        ArgumentNullException.ThrowIfNull(fileId);
        uint hash = 2166136261;
        foreach (char c in fileId)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash % Count);
    }

    /// <summary>The grain key of the shard that lists <paramref name="fileId"/>.</summary>
    public static string KeyOf(string fileId) => Key(ShardOf(fileId));
}
