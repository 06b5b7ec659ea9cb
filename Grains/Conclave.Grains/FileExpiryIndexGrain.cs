namespace Conclave.Grains;

/// <summary>
/// One shard of the file expiry index (<see cref="IFileExpiryIndexGrain"/>), persisted in <see cref="StorageNames.State"/>.
/// A bad file id or <c>max</c> is a caller bug and throws <see cref="ArgumentException"/>. The shard holds at most
/// <see cref="FileExpiryShards.MaxEntriesPerShard"/> entries, so a linear scan per call costs less than the write.
/// </summary>
public sealed class FileExpiryIndexGrain(
    [PersistentState("file-expiry-index", StorageNames.State)] IPersistentState<FileExpiryIndexState> state) : Grain, IFileExpiryIndexGrain
{
    /// <inheritdoc />
    public async Task<bool> AddAsync(string fileId, DateTimeOffset expires)
    {
        if (!InputRules.IsValidFileId(fileId)) throw new ArgumentException("Invalid file id.", nameof(fileId));
        var entries = state.State.Entries;
        int index = IndexOf(entries, fileId);
        if (index >= 0 && entries[index].Expires == expires) return true;
        if (index < 0 && entries.Count >= FileExpiryShards.MaxEntriesPerShard) return false;

        var next = new List<FileExpiry>(entries.Count + 1);
        next.AddRange(entries);
        var entry = new FileExpiry(fileId, expires);
        if (index >= 0) next[index] = entry;
        else next.Add(entry);
        await state.CommitAsync(state.State with { Entries = next.ToArray() });
        return true;
    }

    /// <inheritdoc />
    public async Task RemoveAsync(string fileId)
    {
        if (!InputRules.IsValidFileId(fileId)) throw new ArgumentException("Invalid file id.", nameof(fileId));
        var entries = state.State.Entries;
        int index = IndexOf(entries, fileId);
        if (index < 0) return;

        var next = new FileExpiry[entries.Count - 1];
        for (int i = 0, j = 0; i < entries.Count; i++)
        {
            if (i != index) next[j++] = entries[i];
        }
        await state.CommitAsync(state.State with { Entries = next });
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<FileExpiry>> DueAsync(DateTimeOffset now, int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, FileExpiryShards.MaxDue);
        var due = new List<FileExpiry>();
        foreach (var entry in state.State.Entries)
        {
            if (entry.Expires <= now) due.Add(entry);
        }
        due.Sort(static (a, b) =>
        {
            int byTime = a.Expires.CompareTo(b.Expires);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.FileId, b.FileId);
        });
        if (due.Count > max) due.RemoveRange(max, due.Count - max);
        return Task.FromResult<IReadOnlyList<FileExpiry>>(due.ToArray());
    }

    private static int IndexOf(IReadOnlyList<FileExpiry> entries, string fileId)
    {
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i].FileId == fileId) return i;
        }
        return -1;
    }
}
