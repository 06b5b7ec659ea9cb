using System.Diagnostics;

namespace Conclave.Bench.Files;

/// <summary>What an interval of a <see cref="Timeline"/> is.</summary>
internal enum Activity
{
    /// <summary>Server: one StageBlockAsync (bytes: the block).</summary>
    Stage,
    /// <summary>Server: one CommitAsync.</summary>
    Commit,
    /// <summary>Server: one read of a PATCH request body (bytes: what it returned).</summary>
    BodyRead,
    /// <summary>Server: one OpenReadAsync of the store.</summary>
    BlobOpen,
    /// <summary>Server: one read of a blob stream from the store.</summary>
    BlobRead,
    /// <summary>Server: a blob stream's life, from open to dispose (a download's body).</summary>
    BlobStream,
    /// <summary>Client: one read of a PATCH body's source (FileEncryptionStream: encryption and the file read).</summary>
    SourceRead,
    /// <summary>Client: one write of a PATCH body to the connection.</summary>
    NetworkWrite,
    /// <summary>Client: one tus HEAD from send to the end of the response headers.</summary>
    TusHead,
    /// <summary>Client: one tus PATCH from send to the end of the response headers (the server answers once the body
    /// is staged and recorded).</summary>
    TusPatch,
    /// <summary>Client: one read of a download's response body.</summary>
    ResponseRead,
    /// <summary>Client: one download request (GET …/content) from send to the end of the response headers.</summary>
    ContentRequest,
}

/// <summary>
/// Intervals (Stopwatch timestamps) of what the server's store, the server's request bodies and the client's HTTP
/// handler were doing, recorded by the instrumented run; thread-safe.
/// </summary>
internal sealed class Timeline
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Activity, List<Interval>> _intervals = [];

    /// <summary>One interval: start and end timestamps, and the bytes it moved.</summary>
    public readonly record struct Interval(long Start, long End, long Bytes)
    {
        public double Seconds => (End - Start) / (double)Stopwatch.Frequency;
    }

    public void Add(Activity kind, long start, long end, long bytes = 0)
    {
        lock (_lock)
        {
            if (!_intervals.TryGetValue(kind, out List<Interval>? list)) _intervals[kind] = list = [];
            list.Add(new Interval(start, end, bytes));
        }
    }

    /// <summary>The intervals of <paramref name="kind"/> that start in [<paramref name="from"/>, <paramref name="to"/>], by start.</summary>
    public IReadOnlyList<Interval> Get(Activity kind, long from = long.MinValue, long to = long.MaxValue)
    {
        lock (_lock)
        {
            return _intervals.TryGetValue(kind, out List<Interval>? list)
                ? [.. list.Where(i => i.Start >= from && i.Start <= to).OrderBy(i => i.Start)]
                : [];
        }
    }

    public void Clear()
    {
        lock (_lock) _intervals.Clear();
    }

    /// <summary>Sum of the durations, in seconds.</summary>
    public static double Sum(IEnumerable<Interval> intervals) => intervals.Sum(i => i.Seconds);

    /// <summary>
    /// Splits [<paramref name="from"/>, <paramref name="to"/>] by whether an interval of <paramref name="a"/>, of
    /// <paramref name="b"/>, of both or of neither was in progress: seconds of each.
    /// </summary>
    public static (double OnlyA, double OnlyB, double Both, double Neither) Split(IEnumerable<Interval> a, IEnumerable<Interval> b, long from, long to)
    {
        var edges = new List<(long At, int A, int B)>();
        foreach (Interval i in a) AddEdges(edges, i, from, to, isA: true);
        foreach (Interval i in b) AddEdges(edges, i, from, to, isA: false);
        edges.Sort((x, y) => x.At.CompareTo(y.At));
        long onlyA = 0, onlyB = 0, both = 0, neither = 0;
        int inA = 0, inB = 0;
        long at = from;
        foreach ((long edge, int da, int db) in edges)
        {
            long length = edge - at;
            if (inA > 0 && inB > 0) both += length;
            else if (inA > 0) onlyA += length;
            else if (inB > 0) onlyB += length;
            else neither += length;
            at = edge;
            inA += da;
            inB += db;
        }
        neither += to - at;
        double f = Stopwatch.Frequency;
        return (onlyA / f, onlyB / f, both / f, neither / f);
    }

    private static void AddEdges(List<(long, int, int)> edges, Interval i, long from, long to, bool isA)
    {
        long start = Math.Clamp(i.Start, from, to), end = Math.Clamp(i.End, from, to);
        if (end <= start) return;
        edges.Add((start, isA ? 1 : 0, isA ? 0 : 1));
        edges.Add((end, isA ? -1 : 0, isA ? 0 : -1));
    }
}
