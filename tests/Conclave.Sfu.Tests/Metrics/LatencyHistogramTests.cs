using System.Diagnostics;
using Conclave.Sfu.Metrics;

namespace Conclave.Sfu.Tests.Metrics;

/// <summary><see cref="LatencyHistogram"/>: nearest-rank percentiles of known distributions within the documented
/// bucket error (at most 12.5 % above the true value, then rounded up to 100 ns), the edges (empty, zero, negative
/// and huge durations), reset, and a packet path that neither allocates nor loses counts under concurrency.</summary>
public class LatencyHistogramTests
{
    private const double MaxRelativeError = 0.125;

    private static void Record(LatencyHistogram histogram, TimeSpan duration)
        => histogram.Record(1_000, 1_000 + (long)Math.Round(duration.TotalSeconds * Stopwatch.Frequency));

    private static TimeSpan Microseconds(double value) => TimeSpan.FromTicks((long)Math.Round(value * 10));

    /// <summary>The reported value is the upper bound of the true value's bucket: never below it, at most 12.5 % above,
    /// plus the rounding up to a whole 100 ns tick.</summary>
    private static void AssertWithinBucketError(TimeSpan expected, TimeSpan actual)
    {
        Assert.InRange(actual.Ticks, expected.Ticks, (long)Math.Ceiling(expected.Ticks * (1 + MaxRelativeError)) + 1);
    }

    [Fact]
    public void An_empty_histogram_reports_zero()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(0, histogram.Count);
        foreach (double p in new[] { 0.0, 50, 99, 100 }) Assert.Equal(TimeSpan.Zero, histogram.GetPercentile(p));
    }

    public static TheoryData<string, double> ConstantMicroseconds => new()
    {
        { "1.5 us",                                 1.5 },
        { "10 us",                                  10 },
        { "33 us, just above 2^15 ns",              33 },
        { "65.6 us, just above 2^16 ns",            65.6 },
        { "999 us",                                 999 },
        { "1.05 ms, just above 2^20 ns",            1_050 },
        { "250 ms",                                 250_000 },
    };

    [Theory]
    [MemberData(nameof(ConstantMicroseconds))]
    public void Every_percentile_of_a_constant_is_within_the_bucket_error(string name, double microseconds)
    {
        Assert.NotNull(name);
        var histogram = new LatencyHistogram();
        TimeSpan value = Microseconds(microseconds);
        for (int i = 0; i < 1_000; i++) Record(histogram, value);
        Assert.Equal(1_000, histogram.Count);
        foreach (double p in new[] { 0.0, 1, 50, 99, 99.9, 100 }) AssertWithinBucketError(value, histogram.GetPercentile(p));
    }

    [Fact]
    public void Percentiles_of_a_uniform_distribution_are_its_nearest_ranks()
    {
        // 1, 2, …, 10,000 us: the nearest-rank p-th percentile is ceil(p/100 · N) us.
        var histogram = new LatencyHistogram();
        for (int i = 1; i <= 10_000; i++) Record(histogram, Microseconds(i));
        foreach (double p in new[] { 1.0, 10, 50, 90, 99, 100 })
            AssertWithinBucketError(Microseconds(Math.Ceiling(p * 100)), histogram.GetPercentile(p));
    }

    [Fact]
    public void A_tail_above_the_rank_does_not_move_the_percentile()
    {
        // 99 % at 20 us and 1 % at 5 ms: p99 is still 20 us, p99.5 and the maximum are 5 ms.
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 9_900; i++) Record(histogram, Microseconds(20));
        for (int i = 0; i < 100; i++) Record(histogram, Microseconds(5_000));
        AssertWithinBucketError(Microseconds(20), histogram.GetPercentile(50));
        AssertWithinBucketError(Microseconds(20), histogram.GetPercentile(99));
        AssertWithinBucketError(Microseconds(5_000), histogram.GetPercentile(99.5));
        AssertWithinBucketError(Microseconds(5_000), histogram.GetPercentile(100));
    }

    [Fact]
    public void A_percentile_of_zero_is_the_smallest_duration()
    {
        var histogram = new LatencyHistogram();
        Record(histogram, Microseconds(3));
        for (int i = 0; i < 100; i++) Record(histogram, Microseconds(700));
        AssertWithinBucketError(Microseconds(3), histogram.GetPercentile(0));
    }

    [Fact]
    public void Reset_forgets_every_duration()
    {
        var histogram = new LatencyHistogram();
        for (int i = 0; i < 100; i++) Record(histogram, Microseconds(900));
        histogram.Reset();
        Assert.Equal(0, histogram.Count);
        Assert.Equal(TimeSpan.Zero, histogram.GetPercentile(99));
        Record(histogram, Microseconds(4));
        Assert.Equal(1, histogram.Count);
        AssertWithinBucketError(Microseconds(4), histogram.GetPercentile(100));
    }

    [Fact]
    public void Durations_past_the_last_bucket_count_in_it()
    {
        // The last bucket ends at 2^32 ns (4.294967296 s): an hour and the largest timestamp difference count there.
        var histogram = new LatencyHistogram();
        Record(histogram, TimeSpan.FromHours(1));
        histogram.Record(0, long.MaxValue);
        Assert.Equal(2, histogram.Count);
        TimeSpan last = TimeSpan.FromTicks((long)Math.Ceiling((1L << 32) / 100.0));
        Assert.Equal(last, histogram.GetPercentile(0));
        Assert.Equal(last, histogram.GetPercentile(100));
        // Just below the end, 4.2 s, shares the last bucket.
        Record(histogram, TimeSpan.FromSeconds(4.2));
        Assert.Equal(last, histogram.GetPercentile(0));
    }

    [Fact]
    public void Zero_and_backwards_durations_count_in_the_first_bucket()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(5_000, 5_000);
        histogram.Record(5_000, 4_000);                         // a clock read out of order: counted as zero
        Assert.Equal(2, histogram.Count);
        Assert.Equal(TimeSpan.FromTicks(1), histogram.GetPercentile(100));   // 1.125 ns, rounded up to 100 ns
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(100.1)]
    [InlineData(double.NaN)]
    public void A_percentile_outside_0_to_100_throws(double percentile)
        => Assert.ThrowsAny<ArgumentException>(() => new LatencyHistogram().GetPercentile(percentile));

    [Fact]
    public void Recording_does_not_allocate()
    {
        var histogram = new LatencyHistogram();
        RecordMany(histogram);                                  // warm-up, JIT included
        long before = GC.GetAllocatedBytesForCurrentThread();
        RecordMany(histogram);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20_000, histogram.Count);
    }

    [Fact]
    public void Concurrent_recording_loses_no_count()
    {
        var histogram = new LatencyHistogram();
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 100_000; i++) histogram.Record(0, 1 + i % 50_000);
        });
        Assert.Equal(400_000, histogram.Count);
    }

    private static void RecordMany(LatencyHistogram histogram)
    {
        for (int i = 0; i < 10_000; i++) histogram.Record(0, i * 997L);
    }
}
