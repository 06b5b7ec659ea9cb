namespace Conclave.Sfu.Bandwidth;

/// <summary>Converts intervals into the tick unit of <see cref="TimeProvider.GetTimestamp"/>.</summary>
internal static class TimestampTicks
{
    /// <summary><paramref name="interval"/> in ticks of <paramref name="timeProvider"/>, rounded down.</summary>
    public static long From(TimeSpan interval, TimeProvider timeProvider)
        => (long)((Int128)interval.Ticks * timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond);
}
