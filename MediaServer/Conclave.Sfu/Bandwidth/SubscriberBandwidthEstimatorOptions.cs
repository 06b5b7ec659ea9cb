namespace Conclave.Sfu.Bandwidth;

/// <summary>Settings of a <see cref="SubscriberBandwidthEstimator"/>. The defaults are libwebrtc's where it has one.</summary>
public sealed record SubscriberBandwidthEstimatorOptions
{
    /// <summary>The estimate before any feedback, in bits per second.</summary>
    public long StartBitrate { get; init; } = 1_000_000;

    /// <summary>The estimate never goes below this, whatever the loss or the REMB.</summary>
    public long MinBitrate { get; init; } = 30_000;

    /// <summary>The estimate never goes above this.</summary>
    public long MaxBitrate { get; init; } = 20_000_000;

    /// <summary>draft-ietf-rmcat-gcc-02 §6: below this loss ratio the estimate grows.</summary>
    public double LowLossThreshold { get; init; } = 0.02;

    /// <summary>draft-ietf-rmcat-gcc-02 §6: above this loss ratio the estimate shrinks by half the loss ratio.</summary>
    public double HighLossThreshold { get; init; } = 0.10;

    /// <summary>
    /// Growth per <see cref="IncreaseInterval"/> at low loss. draft-ietf-rmcat-gcc-02 §6 writes 1.05 per receiver
    /// report; libwebrtc's send-side estimator grows by 8 % at most once a second, which is the default here.
    /// </summary>
    public double IncreaseFactor { get; init; } = 1.08;

    /// <summary>Least time between two increases, so growth is bounded however often feedback comes.</summary>
    public TimeSpan IncreaseInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Least time between two decreases, so one congestion episode reported by several feedback messages is not
    /// punished several times (libwebrtc uses 300 ms plus the round-trip time; the round-trip time is not known here).
    /// </summary>
    public TimeSpan DecreaseInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Loss is judged over at least this many packets (libwebrtc's limit), pooled across feedback messages.</summary>
    public int MinPacketsPerLossSample { get; init; } = 20;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBitrate, 1, nameof(MinBitrate));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBitrate, MinBitrate, nameof(MaxBitrate));
        ArgumentOutOfRangeException.ThrowIfLessThan(StartBitrate, MinBitrate, nameof(StartBitrate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StartBitrate, MaxBitrate, nameof(StartBitrate));
        ArgumentOutOfRangeException.ThrowIfNegative(LowLossThreshold, nameof(LowLossThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(HighLossThreshold, LowLossThreshold, nameof(HighLossThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HighLossThreshold, 1.0, nameof(HighLossThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(IncreaseFactor, 1.0, nameof(IncreaseFactor));
        ArgumentOutOfRangeException.ThrowIfLessThan(IncreaseInterval, TimeSpan.Zero, nameof(IncreaseInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(DecreaseInterval, TimeSpan.Zero, nameof(DecreaseInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinPacketsPerLossSample, 1, nameof(MinPacketsPerLossSample));
    }
}
