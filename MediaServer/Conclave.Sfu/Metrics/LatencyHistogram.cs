using System.Diagnostics;

namespace Conclave.Sfu.Metrics;

/// <summary>A lock-free histogram of durations measured with <see cref="Stopwatch.GetTimestamp"/>: log-linear
/// buckets (8 per power of two of nanoseconds, so a percentile is at most 12.5 % above the true value, then rounded
/// up to <see cref="TimeSpan"/>'s 100 ns) from 1 ns to about 4.3 s; longer durations count in the last bucket.
/// Recording is one <see cref="Interlocked.Increment(ref long)"/> and allocates nothing, so it can sit on the packet
/// path.</summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;                 // per power of two: the widest is [1, 1.125) × 2^k
    private const int Octaves = 32;                                    // 2^32 ns ≈ 4.3 s
    private const int BucketCount = Octaves * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Durations recorded.</summary>
    public long Count
    {
        get
        {
            long total = 0;
            foreach (ref readonly long count in _counts.AsSpan()) total += Volatile.Read(in count);
            return total;
        }
    }

    /// <summary>Records the time from <paramref name="startTimestamp"/> to <paramref name="endTimestamp"/>
    /// (<see cref="Stopwatch"/> ticks).</summary>
    public void Record(long startTimestamp, long endTimestamp)
    {
        long ticks = Math.Max(0, endTimestamp - startTimestamp);
        long nanoseconds = (long)(ticks * (1e9 / Stopwatch.Frequency));
        Interlocked.Increment(ref _counts[BucketOf(nanoseconds)]);
    }

    /// <summary>The duration below which <paramref name="percentile"/> % of the recorded ones fall (the upper bound of
    /// the bucket that holds it); zero when nothing was recorded.</summary>
    public TimeSpan GetPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        long total = Count;
        if (total == 0) return TimeSpan.Zero;
        long rank = Math.Max(1, (long)Math.Ceiling(total * percentile / 100));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return TimeSpan.FromTicks((long)Math.Ceiling(UpperBound(i) / 100.0));
        }
        return TimeSpan.FromTicks((long)Math.Ceiling(UpperBound(BucketCount - 1) / 100.0));
    }

    /// <summary>Forgets every recorded duration (between load-test phases).</summary>
    public void Reset()
    {
        for (int i = 0; i < BucketCount; i++) Interlocked.Exchange(ref _counts[i], 0);
    }

    // Bucket 8k + s covers [2^k · (1 + s/8), 2^k · (1 + (s+1)/8)) ns; 0 ns counts in bucket 0.
    private static int BucketOf(long nanoseconds)
    {
        if (nanoseconds <= 1) return 0;
        int octave = 63 - (int)long.LeadingZeroCount(nanoseconds);
        if (octave >= Octaves) return BucketCount - 1;
        int sub = octave >= SubBucketBits
            ? (int)(nanoseconds >> (octave - SubBucketBits)) & (SubBuckets - 1)
            : (int)(nanoseconds << (SubBucketBits - octave)) & (SubBuckets - 1);
        return octave * SubBuckets + sub;
    }

    private static double UpperBound(int bucket) => Math.Pow(2, bucket / SubBuckets) * (1 + (bucket % SubBuckets + 1) / (double)SubBuckets);
}
