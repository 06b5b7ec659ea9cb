using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Grains;

/// <summary>
/// One encrypted document's metadata (<see cref="IFileGrain"/>), persisted in <see cref="StorageNames.State"/>. Every
/// operation answers with a <see cref="FileStatus"/>: invalid input is <see cref="FileStatus.Invalid"/>, never an
/// exception.
/// <para>
/// The grain also keeps three indexes, in an order that lets a crash leave only entries the readers tolerate, never a
/// file that is missing from them: the owner's reservation is taken and the expiry registered before the file is
/// stored (a crash in between leaves a reservation for a file that answers <see cref="FileStatus.NotFound"/>, which
/// the reader of the owner's list may release, see <see cref="IUserFilesGrain"/>, and an index entry the sweep drops);
/// a completed file's new expiry is registered after the file is stored (the older, earlier entry is
/// repaired when due); a removed file is cleared before it leaves the indexes (stale list entries answer
/// <see cref="FileStatus.NotFound"/>, a stale expiry entry is dropped when due). Expiry is checked on every call with
/// the injected <see cref="TimeProvider"/>; the state itself goes only through <see cref="DeleteAsync"/> and
/// <see cref="PurgeIfExpiredAsync"/>, which hand the host the view it needs to delete the blob.
/// </para>
/// </summary>
public sealed class FileGrain(
    [PersistentState("file", StorageNames.State)] IPersistentState<FileState> state) : Grain, IFileGrain
{
    private static readonly FileResult NotFound = new(FileStatus.NotFound);
    private static readonly FileResult Forbidden = new(FileStatus.Forbidden);
    private static readonly FileResult InvalidArgument = new(FileStatus.Invalid);

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    private string FileId => this.GetPrimaryKeyString();

    private IFileExpiryIndexGrain ExpiryIndex => GrainFactory.GetGrain<IFileExpiryIndexGrain>(FileExpiryShards.KeyOf(FileId));

    /// <inheritdoc />
    public async Task<FileResult> CreateAsync(string ownerUserId, long length, DateTimeOffset uploadExpires, long quota, long headLast = 0)
    {
        var now = Clock.GetUtcNow();
        if (!InputRules.IsValidFileId(FileId)) return Invalid("The file id must be 1-64 characters of A-Z a-z 0-9 - _.");
        if (!InputRules.IsValidId(ownerUserId) || length < 1 || quota < 0) return InvalidArgument;
        if (headLast < 0 || headLast >= length) return Invalid("A head sent last is shorter than the file and not negative.");
        if (uploadExpires <= now) return Invalid("The upload must expire in the future.");
        if (state.State.OwnerUserId is not null) return new FileResult(FileStatus.AlreadyExists);

        var owner = GrainFactory.GetGrain<IUserFilesGrain>(ownerUserId);
        if (!await owner.ReserveAsync(FileId, length, quota))
        {
            return new FileResult(FileStatus.QuotaExceeded, Detail: "The owner's quota or file count has no room for this file.");
        }
        try
        {
            if (!await ExpiryIndex.AddAsync(FileId, uploadExpires))
            {
                await owner.ReleaseAsync(FileId);
                return new FileResult(FileStatus.QuotaExceeded, Detail: "The server holds as many files as it can.");
            }
            await state.CommitAsync(new FileState { OwnerUserId = ownerUserId, Length = length, Created = now, Expires = uploadExpires, HeadLast = headLast });
        }
        catch
        {
            await ReleaseAfterFailureAsync(owner);
            throw;
        }
        return Ok(OwnerView(state.State));
    }

    /// <inheritdoc />
    public Task<FileResult> GetAsync(string userId)
    {
        if (!InputRules.IsValidId(userId)) return Task.FromResult(InvalidArgument);
        if (Live() is not { } file) return Task.FromResult(NotFound);
        return Task.FromResult(ViewFor(file, userId) is { } view ? Ok(view) : Forbidden);
    }

    /// <inheritdoc />
    public async Task<FileResult> AppendBlocksAsync(string userId, long expectedOffset, IReadOnlyList<StagedBlock> blocks)
    {
        if (!InputRules.IsValidId(userId) || blocks is null) return InvalidArgument;
        foreach (var block in blocks)
        {
            if (block is null || !InputRules.IsValidBlockId(block.BlockId) || block.Length < 1)
            {
                return Invalid("Each block needs an id of 1-64 base64 characters and a length of at least 1.");
            }
        }
        if (Live() is not { } file) return NotFound;
        if (userId != file.OwnerUserId) return Forbidden;
        if (file.Complete) return new FileResult(FileStatus.Completed, OwnerView(file));
        if (expectedOffset != file.Offset)
        {
            return new FileResult(FileStatus.OffsetMismatch, OwnerView(file),
                string.Create(CultureInfo.InvariantCulture, $"The upload is at offset {file.Offset}, not {expectedOffset}."));
        }
        if (blocks.Count == 0) return Ok(OwnerView(file));
        int stagedCount = file.BlockIds.Count;
        if (blocks.Count > FileLimits.MaxBlocks - stagedCount)
        {
            return Invalid(string.Create(CultureInfo.InvariantCulture, $"An upload has at most {FileLimits.MaxBlocks} blocks."));
        }

        var ids = new HashSet<string>(stagedCount + blocks.Count, StringComparer.Ordinal);
        foreach (string id in file.BlockIds) ids.Add(id);
        long offset = file.Offset;
        long headStart = file.Length - file.HeadLast;                // where a head sent last starts, in upload order
        foreach (var block in blocks)
        {
            if (!ids.Add(block.BlockId)) return Invalid("A block id was used twice.");
            // Compare before adding, so no sum can overflow: offset <= Length throughout.
            if (block.Length > file.Length - offset)
            {
                return new FileResult(FileStatus.TooLarge,
                    Detail: string.Create(CultureInfo.InvariantCulture, $"The blocks run past the declared length of {file.Length} bytes."));
            }
            if (file.HeadLast > 0 && offset < headStart && block.Length > headStart - offset)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture,
                    $"A block straddles upload offset {headStart}, where the head sent last starts: it could not be committed in file order."));
            }
            offset += block.Length;
        }

        var blockIds = new string[stagedCount + blocks.Count];
        var blockLengths = new long[stagedCount + blocks.Count];
        for (int i = 0; i < stagedCount; i++)
        {
            blockIds[i] = file.BlockIds[i];
            blockLengths[i] = file.BlockLengths[i];
        }
        for (int i = 0; i < blocks.Count; i++)
        {
            blockIds[stagedCount + i] = blocks[i].BlockId;
            blockLengths[stagedCount + i] = blocks[i].Length;
        }
        await state.CommitAsync(file with { BlockIds = blockIds, BlockLengths = blockLengths, Offset = offset });
        return Ok(OwnerView(state.State));
    }

    /// <inheritdoc />
    public async Task<FileResult> CompleteAsync(string userId, DateTimeOffset expires)
    {
        var now = Clock.GetUtcNow();
        if (!InputRules.IsValidId(userId)) return InvalidArgument;
        if (expires <= now) return Invalid("The file must expire in the future.");
        if (Live(now) is not { } file) return NotFound;
        if (userId != file.OwnerUserId) return Forbidden;
        if (file.Complete) return new FileResult(FileStatus.Completed, OwnerView(file));
        if (file.Offset != file.Length)
        {
            return new FileResult(FileStatus.NotComplete,
                Detail: string.Create(CultureInfo.InvariantCulture, $"{file.Offset} of {file.Length} bytes are uploaded."));
        }

        // The blob is committed, so its block list is no longer needed: dropping it keeps the state small.
        await state.CommitAsync(file with { Complete = true, Expires = expires, BlockIds = Array.Empty<string>(), BlockLengths = Array.Empty<long>() });
        // After the write: if this fails the index keeps the earlier upload expiry, and the sweep re-registers this one then.
        await ExpiryIndex.AddAsync(FileId, expires);
        return Ok(OwnerView(state.State));
    }

    /// <inheritdoc />
    public async Task<FileResult> AddKeysAsync(string ownerUserId, IReadOnlyList<WrappedFileKey> keys)
    {
        if (!InputRules.IsValidId(ownerUserId) || keys is null || keys.Count == 0) return InvalidArgument;
        if (keys.Count > FileLimits.MaxKeys) return TooManyKeys();
        var batch = new HashSet<(string, string)>(keys.Count);
        foreach (var key in keys)
        {
            if (key is null || !InputRules.IsValidId(key.UserId) || !InputRules.IsValidKeyDevice(key.Device) || !InputRules.IsValidWrap(key.Wrap))
            {
                return Invalid("Each key needs a valid user id, a device of 1-64 base64 characters and a wrap of printable ASCII.");
            }
            if (!batch.Add((key.UserId, key.Device))) return Invalid("A user and device appear twice.");
        }
        if (Live() is not { } file) return NotFound;
        if (ownerUserId != file.OwnerUserId) return Forbidden;

        var merged = new List<WrappedFileKey>(file.Keys.Count + keys.Count);
        merged.AddRange(file.Keys);
        bool changed = false;
        foreach (var key in keys)
        {
            var stored = new WrappedFileKey(key.UserId, key.Device, key.Wrap);
            int index = merged.FindIndex(k => k.UserId == key.UserId && k.Device == key.Device);
            if (index < 0)
            {
                merged.Add(stored);
                changed = true;
            }
            else if (merged[index] != stored)
            {
                merged[index] = stored;
                changed = true;
            }
        }
        if (merged.Count > FileLimits.MaxKeys) return TooManyKeys();
        var recipients = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in merged) recipients.Add(key.UserId);
        if (recipients.Count > FileLimits.MaxRecipients)
        {
            return new FileResult(FileStatus.TooLarge,
                Detail: string.Create(CultureInfo.InvariantCulture, $"A file has at most {FileLimits.MaxRecipients} recipients."));
        }

        if (changed) await state.CommitAsync(file with { Keys = merged.ToArray() });
        // Every recipient of this call, not only new ones: the list update is idempotent, so a retry repairs a failed one.
        var added = new HashSet<string>(StringComparer.Ordinal);
        var registrations = new List<Task>();
        foreach (var key in keys)
        {
            if (key.UserId != file.OwnerUserId && added.Add(key.UserId))
            {
                registrations.Add(GrainFactory.GetGrain<IUserFilesGrain>(key.UserId).AddReceivedAsync(FileId));
            }
        }
        await Task.WhenAll(registrations);
        return Ok(OwnerView(state.State));
    }

    /// <inheritdoc />
    public async Task<FileResult> AuthorizeDownloadAsync(string userId, string? range)
    {
        var now = Clock.GetUtcNow();
        if (!InputRules.IsValidId(userId) || (range is not null && !InputRules.IsValidRange(range))) return InvalidArgument;
        if (Live(now) is not { } file) return NotFound;
        if (ViewFor(file, userId) is null) return Forbidden;
        if (!file.Complete) return new FileResult(FileStatus.NotComplete);

        // The audit log keeps the newest FileLimits.MaxAuditEntries downloads.
        var log = file.Downloads;
        int drop = Math.Max(0, log.Count - FileLimits.MaxAuditEntries + 1);
        var downloads = new FileDownload[log.Count - drop + 1];
        for (int i = drop; i < log.Count; i++) downloads[i - drop] = log[i];
        downloads[^1] = new FileDownload(userId, now, range);
        await state.CommitAsync(file with { Downloads = downloads });
        return Ok(ViewFor(state.State, userId)!);
    }

    /// <inheritdoc />
    public async Task<FileResult> DeleteAsync(string userId)
    {
        if (!InputRules.IsValidId(userId)) return InvalidArgument;
        if (Live() is not { } file) return NotFound;
        if (userId != file.OwnerUserId) return Forbidden;

        var view = OwnerView(file);
        await RemoveAsync(file);
        return Ok(view);
    }

    /// <inheritdoc />
    public async Task<FileResult> PurgeIfExpiredAsync()
    {
        if (!InputRules.IsValidFileId(FileId)) return InvalidArgument;
        var file = state.State;
        if (file.OwnerUserId is null)
        {
            await ExpiryIndex.RemoveAsync(FileId); // an entry left by a crash, or by a create that failed
            return NotFound;
        }
        if (Clock.GetUtcNow() < file.Expires)
        {
            await ExpiryIndex.AddAsync(FileId, file.Expires); // due too early: its later expiry was not registered
            return NotFound;
        }

        var view = OwnerView(file);
        await RemoveAsync(file);
        return Ok(view);
    }

    /// <summary>Clears the file, then frees the owner's reservation and drops it from the recipients' lists and the expiry index.</summary>
    private async Task RemoveAsync(FileState file)
    {
        await state.ClearStateAsync();
        var updates = new List<Task>
        {
            GrainFactory.GetGrain<IUserFilesGrain>(file.OwnerUserId!).ReleaseAsync(FileId),
            ExpiryIndex.RemoveAsync(FileId),
        };
        var recipients = new HashSet<string>(StringComparer.Ordinal) { file.OwnerUserId! };
        foreach (var key in file.Keys)
        {
            if (recipients.Add(key.UserId)) updates.Add(GrainFactory.GetGrain<IUserFilesGrain>(key.UserId).RemoveReceivedAsync(FileId));
        }
        await Task.WhenAll(updates);
        DeactivateOnIdle(); // nothing left to keep in memory (sweeps touch many files once)
    }

    /// <summary>Undoes a reservation after the create failed; the create's own exception is the one worth reporting.</summary>
    private async Task ReleaseAfterFailureAsync(IUserFilesGrain owner)
    {
        try
        {
            await owner.ReleaseAsync(FileId);
        }
        catch (Exception)
        {
            // The reservation stays until the owner's list is pruned (IUserFilesGrain) or a create of this id replaces it.
        }
    }

    /// <summary>The stored file if there is one and it has not expired.</summary>
    private FileState? Live(DateTimeOffset? now = null)
    {
        var file = state.State;
        return file.OwnerUserId is not null && (now ?? Clock.GetUtcNow()) < file.Expires ? file : null;
    }

    /// <summary>The owner's view, a recipient's view, or null for anyone else.</summary>
    private FileView? ViewFor(FileState file, string userId)
    {
        if (userId == file.OwnerUserId) return OwnerView(file);
        List<WrappedFileKey>? own = null;
        foreach (var key in file.Keys)
        {
            if (key.UserId == userId) (own ??= []).Add(key);
        }
        return own is null ? null : View(file, Array.Empty<StagedBlock>(), own.ToArray(), Array.Empty<FileDownload>());
    }

    private FileView OwnerView(FileState file) => View(file, BlocksInFileOrder(file), file.Keys, file.Downloads);

    /// <summary>The staged blocks as the blob is committed. Blocks are recorded in upload order, so those of a head sent
    /// last (docs/files.md, "Head last") are the last ones; they go first, then the others.</summary>
    private static StagedBlock[] BlocksInFileOrder(FileState file)
    {
        int count = file.BlockIds.Count, firstOfHead = 0;            // the blocks before firstOfHead are the body's
        if (file.HeadLast > 0)
        {
            long headStart = file.Length - file.HeadLast, start = 0;
            while (firstOfHead < count && start < headStart) start += file.BlockLengths[firstOfHead++];
        }
        var blocks = new StagedBlock[count];
        for (int i = 0; i < count; i++)
        {
            int from = (firstOfHead + i) % count;
            blocks[i] = new StagedBlock(file.BlockIds[from], file.BlockLengths[from]);
        }
        return blocks;
    }

    private FileView View(FileState file, IReadOnlyList<StagedBlock> blocks, IReadOnlyList<WrappedFileKey> keys, IReadOnlyList<FileDownload> downloads) =>
        new(FileId, file.OwnerUserId!, file.Length, file.Offset, file.Complete, file.Created, file.Expires, blocks, keys, downloads, file.HeadLast);

    private static FileResult Ok(FileView view) => new(FileStatus.Ok, view);

    private static FileResult Invalid(string detail) => new(FileStatus.Invalid, Detail: detail);

    private static FileResult TooManyKeys() =>
        new(FileStatus.TooLarge, Detail: string.Create(CultureInfo.InvariantCulture, $"A file has at most {FileLimits.MaxKeys} keys."));
}
