namespace Conclave.Signaling;

/// <summary>
/// Restores the order of numbered items that may arrive out of order: a sender numbers the items of each stream 0, 1,
/// 2, …, and this hands them to <c>deliver</c> in that order. Orleans does not keep the order of one-way messages (two
/// silos talk over two connections, used in turn), so the server's relay of <c>e2ee</c> messages numbers them per
/// recipient connection and each connection puts them back in order here.
/// <para>
/// An item ahead of the next expected one waits for the gap to fill, at most <see cref="GapTimeout"/> (a message
/// lost with a broken connection never comes); then the waiting items are delivered and the gap is skipped. An item
/// that comes after its gap was skipped is delivered at once, late, rather than dropped. The newest
/// <see cref="MaxStreams"/> streams are tracked; at most <see cref="MaxWaiting"/> items wait per stream, beyond which
/// the gap is skipped at once. Thread-safe; <c>deliver</c> is called under a lock, so it must not block.
/// </para>
/// </summary>
/// <typeparam name="T">The items.</typeparam>
public sealed class SequencedDelivery<T> : IDisposable
{
    /// <summary>Longest an item waits for an earlier one.</summary>
    public static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Streams tracked at once (a connection has one per call it joins or resumes into).</summary>
    public const int MaxStreams = 8;

    /// <summary>Items that may wait for a gap in one stream.</summary>
    public const int MaxWaiting = 1024;

    private readonly Lock _lock = new();
    private readonly Action<T> _deliver;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;                                  // Owned
    private readonly List<StreamState> _streams = [];                     // oldest first
    private bool _disposed;

    /// <summary>Creates an empty buffer that hands items to <paramref name="deliver"/>.</summary>
    public SequencedDelivery(Action<T> deliver, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        ArgumentNullException.ThrowIfNull(time);
        _deliver = deliver;
        _time = time;
        _timer = time.CreateTimer(_ => SkipExpiredGaps(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items waiting for an earlier one, over all streams.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock) return _streams.Sum(s => s.Waiting.Count);
        }
    }

    /// <summary>Takes item number <paramref name="sequence"/> of <paramref name="stream"/>; delivers it and whatever
    /// it unblocks, or keeps it until the items before it came.</summary>
    public void Receive(long stream, long sequence, T item)
    {
        lock (_lock)
        {
            if (_disposed) return;
            StreamState state = Find(stream);
            if (sequence < state.Next)
            {
                _deliver(item);                                      // late: its gap was skipped already
                return;
            }
            if (sequence > state.Next)
            {
                if (state.Waiting.TryAdd(sequence, item))
                {
                    if (state.Waiting.Count == 1) state.GapSince = _time.GetTimestamp();
                    if (state.Waiting.Count > MaxWaiting) SkipGap(state);
                    else ArmTimer();
                }
                return;
            }

            _deliver(item);
            state.Next++;
            DeliverReady(state);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _streams.Clear();
        }
        _timer.Dispose();
    }

    private StreamState Find(long id)
    {
        foreach (StreamState s in _streams)
        {
            if (s.Id == id) return s;
        }
        if (_streams.Count == MaxStreams) _streams.RemoveAt(0);
        var created = new StreamState(id);
        _streams.Add(created);
        return created;
    }

    private void DeliverReady(StreamState state)
    {
        while (state.Waiting.TryGetValue(state.Next, out T? ready))
        {
            state.Waiting.Remove(state.Next);
            _deliver(ready);
            state.Next++;
        }
        if (state.Waiting.Count > 0) state.GapSince = _time.GetTimestamp();
    }

    private void SkipGap(StreamState state)
    {
        state.Next = state.Waiting.Keys[0];
        DeliverReady(state);
    }

    private void SkipExpiredGaps()
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (StreamState state in _streams)
            {
                while (state.Waiting.Count > 0 && _time.GetElapsedTime(state.GapSince) >= GapTimeout) SkipGap(state);
            }
            ArmTimer();
        }
    }

    /// <summary>Sets the timer for the earliest gap to expire, or stops it when nothing waits.</summary>
    private void ArmTimer()
    {
        TimeSpan? due = null;
        foreach (StreamState state in _streams)
        {
            if (state.Waiting.Count == 0) continue;
            TimeSpan left = GapTimeout - _time.GetElapsedTime(state.GapSince);
            if (due is null || left < due) due = left;
        }
        _timer.Change(due is { } d ? (d > TimeSpan.Zero ? d : TimeSpan.Zero) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private sealed class StreamState(long id)
    {
        public long Id { get; } = id;
        public long Next { get; set; }
        public SortedList<long, T> Waiting { get; } = new();
        public long GapSince { get; set; }
    }
}
