namespace Conclave.Bench;

/// <summary>
/// count, min, p50, p90, p99, max and mean of a sample, for the load tools. Percentiles are nearest-rank: the smallest
/// sample with at least p% of the samples at or below it (with 20 samples p90 is the 18th smallest and p99 the largest;
/// with 100, p99 is the 99th smallest).
/// </summary>
internal sealed record Summary(int Count, double Min, double P50, double P90, double P99, double Max, double Mean)
{
    public static Summary Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) return new Summary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double[] sorted = [.. samples];
        Array.Sort(sorted);
        return new Summary(sorted.Length, sorted[0], Rank(sorted, 50), Rank(sorted, 90), Rank(sorted, 99), sorted[^1], sorted.Average());
    }

    private static double Rank(double[] sorted, int percent)
    {
        int rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
