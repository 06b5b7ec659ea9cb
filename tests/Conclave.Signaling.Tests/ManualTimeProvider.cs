namespace Conclave.Signaling.Tests;

/// <summary>A clock that only moves when told to; enough for <see cref="TokenBucket"/>, which reads timestamps only.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
