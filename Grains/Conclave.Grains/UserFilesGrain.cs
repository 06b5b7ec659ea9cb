namespace Conclave.Grains;

/// <summary>
/// A user's owned and received files and their quota reservations (<see cref="IUserFilesGrain"/>), persisted in
/// <see cref="StorageNames.State"/>. The grain is not reentrant, so a reservation's check and its write happen in one
/// turn: two concurrent reservations cannot both fit in the room left for one. Arguments that break the rules throw
/// <see cref="ArgumentException"/>: the callers are <see cref="FileGrain"/>s, which validate first.
/// </summary>
public sealed class UserFilesGrain(
    [PersistentState("user-files", StorageNames.State)] IPersistentState<UserFilesState> state) : Grain, IUserFilesGrain
{
    /// <inheritdoc />
    public async Task<bool> ReserveAsync(string fileId, long bytes, long quota)
    {
        CheckArguments(fileId);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfNegative(quota);
        var owned = state.State.Owned;
        int index = -1;
        long others = 0;
        for (int i = 0; i < owned.Count; i++)
        {
            if (owned[i].FileId == fileId) index = i;
            else others += owned[i].Bytes;
        }
        // quota - others cannot overflow (both are non-negative); it is negative if the quota was lowered below the total.
        if (bytes > quota - others) return false;
        if (index < 0 && owned.Count >= FileLimits.MaxOwnedFiles) return false;
        if (index >= 0 && owned[index].Bytes == bytes) return true;

        var next = new List<OwnedFile>(owned.Count + 1);
        next.AddRange(owned);
        var entry = new OwnedFile(fileId, bytes);
        if (index >= 0) next[index] = entry;
        else next.Add(entry);
        await state.CommitAsync(state.State with { Owned = next.ToArray() });
        return true;
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string fileId)
    {
        CheckArguments(fileId);
        var owned = state.State.Owned;
        var next = new List<OwnedFile>(owned.Count);
        foreach (var file in owned)
        {
            if (file.FileId != fileId) next.Add(file);
        }
        if (next.Count == owned.Count) return;
        await state.CommitAsync(state.State with { Owned = next.ToArray() });
    }

    /// <inheritdoc />
    public async Task AddReceivedAsync(string fileId)
    {
        CheckArguments(fileId);
        var received = state.State.Received;
        foreach (string id in received)
        {
            if (id == fileId) return;
        }

        // At the limit the oldest entry goes: the list is an index for GET /api/files, the file stays readable by id.
        int drop = received.Count >= FileLimits.MaxReceivedFiles ? received.Count - FileLimits.MaxReceivedFiles + 1 : 0;
        var next = new string[received.Count - drop + 1];
        for (int i = drop; i < received.Count; i++) next[i - drop] = received[i];
        next[^1] = fileId;
        await state.CommitAsync(state.State with { Received = next });
    }

    /// <inheritdoc />
    public async Task RemoveReceivedAsync(string fileId)
    {
        CheckArguments(fileId);
        var received = state.State.Received;
        var next = new List<string>(received.Count);
        foreach (string id in received)
        {
            if (id != fileId) next.Add(id);
        }
        if (next.Count == received.Count) return;
        await state.CommitAsync(state.State with { Received = next.ToArray() });
    }

    /// <inheritdoc />
    public Task<UserFiles> ListAsync()
    {
        var owned = state.State.Owned;
        var ids = new string[owned.Count];
        long reserved = 0;
        for (int i = 0; i < owned.Count; i++)
        {
            ids[i] = owned[i].FileId;
            reserved += owned[i].Bytes;
        }
        return Task.FromResult(new UserFiles(ids, state.State.Received.ToArray(), reserved));
    }

    private void CheckArguments(string fileId)
    {
        if (!InputRules.IsValidFileId(fileId)) throw new ArgumentException("Invalid file id.", nameof(fileId));
        if (!InputRules.IsValidId(this.GetPrimaryKeyString())) throw new ArgumentException("Invalid user id.");
    }
}
