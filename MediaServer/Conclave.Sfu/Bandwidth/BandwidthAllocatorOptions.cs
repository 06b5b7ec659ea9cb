namespace Conclave.Sfu.Bandwidth;

/// <summary>Settings of a <see cref="BandwidthAllocator"/>.</summary>
public sealed record BandwidthAllocatorOptions
{
    /// <summary>
    /// Bits per second set aside for each audio consumer before any video: Opus speech at 32–40 kbit/s plus about
    /// 50 packets a second of RTP, SRTP, UDP and IP headers.
    /// </summary>
    public long AudioBitrate { get; init; } = 64_000;

    /// <summary>A layer above the current one counts as its bitrate × (1 + margin): the headroom an upgrade needs.</summary>
    public double UpgradeMargin { get; init; } = 0.2;

    /// <summary>How long an upgrade must keep fitting (with the margin) before it is made. Downgrades are immediate.</summary>
    public TimeSpan UpgradeHold { get; init; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(AudioBitrate, nameof(AudioBitrate));
        ArgumentOutOfRangeException.ThrowIfNegative(UpgradeMargin, nameof(UpgradeMargin));
        ArgumentOutOfRangeException.ThrowIfLessThan(UpgradeHold, TimeSpan.Zero, nameof(UpgradeHold));
    }
}
