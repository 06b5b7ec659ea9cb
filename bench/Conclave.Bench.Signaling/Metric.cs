namespace Conclave.Bench.Signaling;

/// <summary>The samples of one metric, in milliseconds.</summary>
internal sealed class Metric(string key, string label, string description)
{
    private readonly List<double> _samples = [];

    /// <summary>Stable identifier used in the JSON output.</summary>
    public string Key { get; } = key;

    /// <summary>Column label in the table.</summary>
    public string Label { get; } = label;

    /// <summary>What the interval covers.</summary>
    public string Description { get; } = description;

    public void Add(double milliseconds) => _samples.Add(milliseconds);

    public Summary Summarize() => Summary.Of(_samples);
}
