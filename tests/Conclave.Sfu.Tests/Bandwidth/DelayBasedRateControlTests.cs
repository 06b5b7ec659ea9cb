using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class DelayBasedRateControlTests
{
    private readonly ManualClock _clock = new();
    private static readonly SubscriberBandwidthEstimatorOptions Defaults = new();   // 30 kbit/s … 20 Mbit/s, ×1.08/s, 300 ms

    private DelayBasedRateControl Create(SubscriberBandwidthEstimatorOptions? options = null)
        => new(options ?? Defaults, _clock);

    [Fact]
    public void Starts_at_the_maximum_and_stays_there_until_an_overuse()
    {
        // As in libwebrtc: no delay-based limit before the first overuse.
        var control = Create();
        Assert.Equal(20_000_000, control.Estimate);
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_000));
        control.Update(BandwidthUsage.Underusing, 1_000_000, 1_000_000, _clock.At(1_500));
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(3_000));
        Assert.Equal(20_000_000, control.Estimate);
    }

    [Fact]
    public void Overuse_sets_085_times_the_acknowledged_rate()
    {
        // draft-ietf-rmcat-gcc-02 §5.5: A_hat(i) = β · R_hat(i), β = 0.85.
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 2_000_000, _clock.At(0));
        Assert.Equal(850_000, control.Estimate);
    }

    [Fact]
    public void Overuse_without_acknowledgement_sets_085_times_the_current_estimate()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 0, 2_000_000, _clock.At(0));
        Assert.Equal(1_700_000, control.Estimate);
    }

    [Fact]
    public void Overuse_never_raises_the_estimate()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 30_000_000, 30_000_000, _clock.At(0));      // above the maximum
        Assert.Equal(17_000_000, control.Estimate);                                        // 0.85 × 20 Mbit/s

        control.Update(BandwidthUsage.Overusing, 1_000_000, 2_000_000, _clock.At(400));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 5_000_000, 5_000_000, _clock.At(800));    // acknowledged above A_hat
        Assert.Equal(722_500, control.Estimate);                                           // 0.85 × 850 kbit/s
        control.Update(BandwidthUsage.Overusing, 0, 9_000_000, _clock.At(1_200));          // current above A_hat
        Assert.Equal(614_125, control.Estimate);                                           // 0.85 × 722.5 kbit/s
    }

    [Fact]
    public void Second_overuse_within_the_decrease_interval_does_not_decrease_again()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 2_000_000, _clock.At(0));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 500_000, 500_000, _clock.At(200));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 500_000, 500_000, _clock.At(299.999));
        Assert.Equal(850_000, control.Estimate);
        // 300 ms after the decrease, not after the ignored overuses.
        control.Update(BandwidthUsage.Overusing, 500_000, 500_000, _clock.At(300));
        Assert.Equal(425_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 100_000, 100_000, _clock.At(599));
        Assert.Equal(425_000, control.Estimate);
    }

    [Fact]
    public void Decrease_interval_comes_from_the_options()
    {
        var control = Create(Defaults with { DecreaseInterval = TimeSpan.FromMilliseconds(50) });
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Overusing, 500_000, 500_000, _clock.At(49));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 500_000, 500_000, _clock.At(50));
        Assert.Equal(425_000, control.Estimate);
    }

    [Fact]
    public void Normal_after_a_decrease_increases_by_8_percent_a_second_pro_rata()
    {
        // §5.5: Hold → Increase on Normal; the increase is IncreaseFactor per second of the time since the last update.
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(500));
        Assert.Equal(883_346, control.Estimate);                                   // 850,000 × 1.08^0.5 = 883,345.9
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_500));
        Assert.Equal(954_014, control.Estimate);                                   // 883,346 × 1.08 = 954,013.7
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_750));
        Assert.Equal((long)Math.Round(954_014 * Math.Pow(1.08, 0.25)), control.Estimate);
    }

    [Fact]
    public void Increase_counts_at_most_one_second_however_long_the_gap()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(10_000));
        Assert.Equal(918_000, control.Estimate);                                   // 850,000 × 1.08, not × 1.08^10
    }

    [Fact]
    public void Increase_factor_comes_from_the_options()
    {
        var control = Create(Defaults with { IncreaseFactor = 1.5 });
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_000));
        Assert.Equal(1_275_000, control.Estimate);
    }

    [Fact]
    public void Underuse_holds_the_estimate()
    {
        // §5.5: Underusing → Hold; the queue drains and the rate is not raised meanwhile.
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Underusing, 1_000_000, 1_000_000, _clock.At(500));
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Underusing, 1_000_000, 1_000_000, _clock.At(1_000));
        Assert.Equal(850_000, control.Estimate);
        // Back to Normal: the increase counts from the last update (500 ms), not from the decrease.
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_500));
        Assert.Equal(883_346, control.Estimate);
    }

    [Fact]
    public void Underuse_during_an_increase_holds_the_estimate()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 1_000_000, 1_000_000, _clock.At(0));
        control.Update(BandwidthUsage.Normal, 1_000_000, 1_000_000, _clock.At(1_000));
        Assert.Equal(918_000, control.Estimate);
        control.Update(BandwidthUsage.Underusing, 1_000_000, 1_000_000, _clock.At(2_000));
        Assert.Equal(918_000, control.Estimate);
    }

    [Fact]
    public void Estimate_is_clamped_to_the_minimum()
    {
        var control = Create();
        control.Update(BandwidthUsage.Overusing, 10_000, 10_000, _clock.At(0));   // 0.85 × 10 kbit/s = 8.5 kbit/s
        Assert.Equal(30_000, control.Estimate);
        control.Update(BandwidthUsage.Overusing, 20_000, 20_000, _clock.At(1_000));
        Assert.Equal(30_000, control.Estimate);
    }

    [Fact]
    public void Increase_is_clamped_to_the_maximum()
    {
        var control = Create(Defaults with { MaxBitrate = 1_000_000 });
        control.Update(BandwidthUsage.Overusing, 1_100_000, 1_100_000, _clock.At(0));   // 0.85 × min(1.1 M, 1 M)
        Assert.Equal(850_000, control.Estimate);
        control.Update(BandwidthUsage.Normal, 0, 0, _clock.At(1_000));
        Assert.Equal(918_000, control.Estimate);
        control.Update(BandwidthUsage.Normal, 0, 0, _clock.At(2_000));
        Assert.Equal(991_440, control.Estimate);
        control.Update(BandwidthUsage.Normal, 0, 0, _clock.At(3_000));
        Assert.Equal(1_000_000, control.Estimate);
    }
}
