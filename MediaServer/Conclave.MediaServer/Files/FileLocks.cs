using System.Collections.Concurrent;

namespace Conclave.MediaServer.Files;

/// <summary>
/// One request at a time per file on this node (a PATCH, a completion, a delete). Across nodes the file grain's
/// expected offset keeps concurrent writers apart; this keeps two requests of one node from staging over each other.
/// </summary>
public sealed class FileLocks
{
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);

    /// <summary>The lock of <paramref name="fileId"/>, released on dispose; null when another request holds it.</summary>
    public IDisposable? TryEnter(string fileId) => _held.TryAdd(fileId, 0) ? new Held(this, fileId) : null;

    private sealed class Held(FileLocks locks, string fileId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) locks._held.TryRemove(fileId, out _);
        }
    }
}
