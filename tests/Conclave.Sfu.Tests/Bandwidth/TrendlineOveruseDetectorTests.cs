using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class TrendlineOveruseDetectorTests
{
    // Feeds `groups` groups sent `sendDelta` ms apart, each arriving `extra` ms later than the previous relative to
    // its send time (d(i) = extra, §5.3), and returns the signal after each.
    private static List<BandwidthUsage> Feed(TrendlineOveruseDetector detector, ref double arrivalMs, int groups,
        double sendDelta, double extra)
    {
        var usages = new List<BandwidthUsage>(groups);
        for (int i = 0; i < groups; i++)
        {
            arrivalMs += sendDelta + extra;
            usages.Add(detector.Update(sendDelta, sendDelta + extra, arrivalMs));
            Assert.Equal(usages[^1], detector.Usage);
        }
        return usages;
    }

    [Fact]
    public void Steady_delay_stays_normal()
    {
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 500, sendDelta: 20, extra: 0);
        Assert.All(usages, usage => Assert.Equal(BandwidthUsage.Normal, usage));
    }

    [Fact]
    public void Jitter_around_a_steady_delay_stays_normal()
    {
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        for (int i = 0; i < 500; i++)
        {
            double arrivalDelta = i % 2 == 0 ? 18 : 22;                  // ±2 ms, no queue building
            arrival += arrivalDelta;
            Assert.Equal(BandwidthUsage.Normal, detector.Update(20, arrivalDelta, arrival));
        }
    }

    [Fact]
    public void Threshold_settles_at_its_floor_on_a_steady_path()
    {
        // §5.4: γ follows |m(i)| downward with K_d; with m = 0 it falls to the 6 ms floor and stays there.
        var detector = new TrendlineOveruseDetector();
        Assert.Equal(12.5, detector.Threshold);
        double arrival = 1_000;
        Feed(detector, ref arrival, 100, sendDelta: 20, extra: 0);
        Assert.Equal(6, detector.Threshold);
    }

    [Fact]
    public void Growing_queue_is_overuse()
    {
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 40, sendDelta: 20, extra: 2);   // 2 ms more queue every group
        // No trend before the window of 20 groups is full.
        Assert.All(usages.Take(TrendlineOveruseDetector.WindowSize - 1), usage => Assert.Equal(BandwidthUsage.Normal, usage));
        Assert.Contains(BandwidthUsage.Overusing, usages);
        Assert.DoesNotContain(BandwidthUsage.Underusing, usages);
        Assert.Equal(BandwidthUsage.Overusing, usages[^1]);                  // and it persists while the queue grows
    }

    [Theory]
    [InlineData(20, 10, 21)]        // over the threshold for 10 ms, then 30 ms
    [InlineData(6, 6, 22)]          // 3 ms, 9 ms, then 15 ms
    [InlineData(4, 4, 23)]          // 2 ms, 6 ms, 10 ms (not more than 10 ms), then 14 ms
    [InlineData(30, 15, 21)]        // 15 ms at once, but one group alone is not enough: 45 ms over two groups
    public void Overuse_must_last_longer_than_overuse_time(double sendDelta, double extra, int firstOverusingGroup)
    {
        // §5.4: overuse is signalled once m(i) > γ(i) for more than overuse_time_th (10 ms), on consecutive groups.
        // A steep ramp puts the trend above γ at the first full window (group 20).
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 30, sendDelta, extra);
        int first = usages.IndexOf(BandwidthUsage.Overusing) + 1;
        Assert.Equal(firstOverusingGroup, first);
    }

    [Fact]
    public void Queue_that_stopped_growing_is_not_overuse()
    {
        // libwebrtc adds to §5.4 that the trend must still be rising: a step of 90 ms of queue in the first three
        // groups, then none, leaves the window's trend above γ from group 20 on, but falling.
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 3, sendDelta: 20, extra: 30);
        usages.AddRange(Feed(detector, ref arrival, 60, sendDelta: 20, extra: 0));
        Assert.All(usages, usage => Assert.Equal(BandwidthUsage.Normal, usage));
    }

    [Fact]
    public void Trend_below_the_threshold_is_not_overuse_however_long_it_lasts()
    {
        // The trend is scaled by min(samples, 60) × 4: a queue growing 0.3 ms per 20 ms group (m ≈ 0.015) reads
        // 3.6 ms against γ ≥ 6 ms after any number of groups.
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 1_000, sendDelta: 20, extra: 0.3);
        Assert.All(usages, usage => Assert.Equal(BandwidthUsage.Normal, usage));
    }

    [Fact]
    public void Draining_queue_after_a_build_up_is_underuse()
    {
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var building = Feed(detector, ref arrival, 40, sendDelta: 20, extra: 3);
        Assert.Equal(BandwidthUsage.Overusing, building[^1]);
        var draining = Feed(detector, ref arrival, 40, sendDelta: 20, extra: -6);    // arriving faster than sent
        int firstUnder = draining.IndexOf(BandwidthUsage.Underusing);
        Assert.InRange(firstUnder, 0, 30);
        // Once the queue is seen draining, it is not called growing.
        Assert.DoesNotContain(BandwidthUsage.Overusing, draining.Skip(firstUnder));
        Assert.Equal(BandwidthUsage.Underusing, draining[^1]);
    }

    [Fact]
    public void Threshold_stays_within_6_and_600_ms()
    {
        // §5.4: γ is clamped (libwebrtc: [6, 600] ms), whatever the deltas.
        var detector = new TrendlineOveruseDetector();
        var random = new Random(20_240_611);
        double arrival = 1_000, minimum = double.MaxValue, maximum = double.MinValue;
        for (int i = 0; i < 20_000; i++)
        {
            double sendDelta = random.NextDouble() * 100;
            double arrivalDelta = (i / 500 % 4) switch
            {
                0 => sendDelta + random.NextDouble() * 20,                      // building
                1 => Math.Max(0, sendDelta - random.NextDouble() * 20),         // draining
                2 => random.NextDouble() < 0.05 ? random.NextDouble() * 2_000 : sendDelta,   // spikes
                _ => Math.Max(0, sendDelta + (random.NextDouble() - 0.5) * 100),   // heavy jitter
            };
            arrival += arrivalDelta;
            detector.Update(sendDelta, arrivalDelta, arrival);
            minimum = Math.Min(minimum, detector.Threshold);
            maximum = Math.Max(maximum, detector.Threshold);
        }
        Assert.InRange(minimum, 6, 600);
        Assert.InRange(maximum, 6, 600);
        Assert.True(maximum > 12.5, $"γ never rose above its initial value (max {maximum})");   // it does adapt upward
    }

    [Fact]
    public void Threshold_rises_while_the_trend_is_above_it()
    {
        // §5.4: γ follows |m(i)| upward with K_u, so a sustained trend eventually stops reading as overuse.
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        Feed(detector, ref arrival, 19, sendDelta: 20, extra: 0);
        Assert.Equal(6, detector.Threshold);
        var usages = Feed(detector, ref arrival, 20, sendDelta: 20, extra: 5);
        Assert.Equal(BandwidthUsage.Overusing, usages[^1]);
        Assert.True(detector.Threshold > 6, $"γ = {detector.Threshold}");
    }

    [Fact]
    public void Threshold_does_not_follow_an_outlying_trend()
    {
        // libwebrtc: a trend more than 15 ms above γ does not move γ, so a sudden queue is not absorbed as normal.
        // A queue growing 6 ms per 6 ms group reads about 26 ms and more from the first full window against γ = 6.
        var detector = new TrendlineOveruseDetector();
        double arrival = 1_000;
        var usages = Feed(detector, ref arrival, 25, sendDelta: 6, extra: 6);
        Assert.Equal(BandwidthUsage.Overusing, usages[^1]);
        Assert.Equal(6, detector.Threshold);
    }
}
