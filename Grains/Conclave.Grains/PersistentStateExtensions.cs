namespace Conclave.Grains;

/// <summary>Commit helper for immutable grain state.</summary>
internal static class PersistentStateExtensions
{
    /// <summary>
    /// Replaces the state with <paramref name="next"/> and writes it. If the write fails the previous state is put
    /// back, so memory never claims what storage does not hold, and the exception propagates to the caller.
    /// </summary>
    public static async Task CommitAsync<T>(this IPersistentState<T> state, T next)
    {
        var previous = state.State;
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            throw;
        }
    }
}
