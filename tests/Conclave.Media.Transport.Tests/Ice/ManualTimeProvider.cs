namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>The transport tests' clock: it moves only in <see cref="Advance"/>, which fires each due timer at its own
/// due time, in order, on the caller's thread (so retransmission and consent schedules are exact).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<SteppingTimer> _timers = [];
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(GetTimestamp());

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SteppingTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        long end = GetTimestamp() + by.Ticks;
        while (true)
        {
            SteppingTimer? due = null;
            lock (_lock)
            {
                foreach (SteppingTimer timer in _timers)
                {
                    if (timer.DueAt <= end && (due is null || timer.DueAt < due.DueAt)) due = timer;
                }
                if (due is null) break;
                Interlocked.Exchange(ref _ticks, Math.Max(_ticks, due.DueAt));
                if (due.Period > 0) due.DueAt += due.Period;
                else _timers.Remove(due);
            }
            due.Fire();
        }
        Interlocked.Exchange(ref _ticks, end);
    }

    private sealed class SteppingTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueAt { get; set; }

        public long Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                DueAt = owner.GetTimestamp() + dueTime.Ticks;
                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                owner._timers.Add(this);
                return true;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._lock) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
