namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>A clock counting microseconds from an arbitrary origin; the tests pass its timestamps in explicitly.</summary>
internal sealed class ManualClock : TimeProvider
{
    private const long Origin = 5_000_000_000;     // far from 0, so nothing relies on timestamps starting at 0

    public override long TimestampFrequency => 1_000_000;

    public override long GetTimestamp() => Origin;

    /// <summary>The timestamp <paramref name="milliseconds"/> after the origin.</summary>
    public long At(double milliseconds) => Origin + (long)Math.Round(milliseconds * 1000);
}
