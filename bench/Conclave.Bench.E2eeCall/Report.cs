using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Conclave.Bench.E2eeCall;

/// <summary>Prints the results as Markdown tables or as JSON.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string CommandLine(BenchOptions options) =>
        "Conclave.Bench.E2eeCall " + string.Join(' ', options.RedactedArguments.Select(Quote));

    private static void Header(TextWriter output, BenchOptions options, MachineInfo machine, DateTimeOffset startedAt, double? loadBefore, double? loadAfter)
    {
        output.WriteLine($"command: {CommandLine(options)}");
        output.WriteLine($"started: {startedAt:yyyy-MM-dd HH:mm:ss} UTC; 1-minute load average {F(loadBefore, "0.0")} before, {F(loadAfter, "0.0")} after");
        output.WriteLine($"machine: {machine.LogicalCores} logical cores{(machine.CpuModel is { } cpu ? $", {cpu}" : "")}; {machine.Os}");
        output.WriteLine($"runtime: {machine.Runtime}; {(machine.ServerGc ? "server" : "workstation")} GC");
    }

    public static void WriteWorker(TextWriter output, BenchOptions options, MachineInfo machine, WorkerResult result)
    {
        Header(output, options, machine, result.StartedAt, result.LoadBefore, result.LoadAfter);
        output.WriteLine($"browser: Chromium {result.Chromium}, headless; page {result.Page}; a dedicated module worker importing /e2ee/sframe.js");
        output.WriteLine($"each case: a fresh key, {options.WarmupSeconds} s warm-up, then {options.Seconds} s measured");
        output.WriteLine();
        string[] header = ["suite", "frame", "direction", "in flight", "frames/s", "MiB/s", "browser cores", "frames per CPU-second", "CPU µs per frame"];
        var rows = new List<string[]> { header };
        foreach (WorkerCase c in result.Cases)
        {
            rows.Add([c.Suite, $"{c.Kind} {c.FrameBytes.ToString("N0", Invariant)} B", c.Direction, c.InFlight.ToString(Invariant),
                c.FramesPerSecond.ToString("N0", Invariant), c.MiBPerSecond.ToString("0.0", Invariant), c.Cores.ToString("0.00", Invariant),
                c.FramesPerCpuSecond.ToString("N0", Invariant), (1e6 / c.FramesPerCpuSecond).ToString("0.0", Invariant)]);
        }
        Table(output, rows, leftColumns: 3);
        output.WriteLine();
        output.WriteLine("frames/s and MiB/s: frames (and their bytes before encryption) per second of the window, timed in the worker.");
        output.WriteLine("browser cores: CPU time of all the browser's processes over the window / its wall time (/proc).");
        output.WriteLine("frames per CPU-second: frames / that CPU time, i.e. what one core sustains; CPU µs per frame is its inverse.");
    }

    public static void WriteRotation(TextWriter output, BenchOptions options, MachineInfo machine, RotationResult result)
    {
        Header(output, options, machine, result.StartedAt, result.LoadBefore, result.LoadAfter);
        int n = options.Participants;
        output.WriteLine($"server:  {result.Server}  room: {result.Room}");
        output.WriteLine($"wraps:   {result.Wraps}");
        output.WriteLine($"call:    N = {n}; {options.Cycles} measured cycles after {options.WarmupCycles} warm-up, each: a member leaves, a newcomer joins, " +
            $"the leader leaves, a newcomer joins; {options.GapMs} ms pause after each change; setup {result.SetupSeconds.ToString("0.0", Invariant)} s, " +
            $"measured phase {result.MeasuredSeconds.ToString("0.0", Invariant)} s");
        output.WriteLine();

        (string Label, string Kind, Func<ChangeSample, double> Value)[] timeRows =
        [
            ($"a member leaves ({n} → {n - 1}): leave sent → all switched", "member-leave", s => s.Ms),
            ($"the leader leaves ({n} → {n - 1}): leave sent → all switched", "leader-leave", s => s.Ms),
            ($"a newcomer joins ({n - 1} → {n}): joined → all switched", "join", s => s.Ms),
            ($"a newcomer joins ({n - 1} → {n}): join sent → all switched", "join", s => s.FromJoinSentMs ?? double.NaN),
            ("a member leaves: leave sent → first switched", "member-leave", s => s.FirstSwitchMs),
            ("the leader leaves: leave sent → first switched", "leader-leave", s => s.FirstSwitchMs),
            ("a newcomer joins: joined → first switched", "join", s => s.FirstSwitchMs),
            ("a member leaves: CPU time of the process (ms)", "member-leave", s => s.CpuMs),
            ("the leader leaves: CPU time of the process (ms)", "leader-leave", s => s.CpuMs),
            ("a newcomer joins: CPU time of the process (ms)", "join", s => s.CpuMs),
        ];
        var rows = new List<string[]> { new[] { "time (ms)", "count", "min", "p50", "p90", "p99", "max", "mean" } };
        foreach ((string label, string kind, Func<ChangeSample, double> value) in timeRows)
        {
            Summary s = Summary.Of([.. result.Samples.Where(x => x.Kind == kind).Select(value)]);
            rows.Add([label, s.Count.ToString(Invariant), F(s.Min), F(s.P50), F(s.P90), F(s.P99), F(s.Max), F(s.Mean)]);
        }
        Table(output, rows, leftColumns: 1);
        output.WriteLine();

        (string Label, string Kind)[] messageRows = [("a member leaves", "member-leave"), ("the leader leaves", "leader-leave"), ("a newcomer joins", "join")];
        rows = [["per change (all clients)", "e2ee-send requests", "messages in them", "e2ee events received", "delivered (server's count)", "failed requests"]];
        foreach ((string label, string kind) in messageRows)
        {
            ChangeSample[] samples = [.. result.Samples.Where(x => x.Kind == kind)];
            rows.Add([label, Range(samples, x => x.Requests), Range(samples, x => x.Messages), Range(samples, x => x.Received),
                Range(samples, x => x.ServerDelivered), Range(samples, x => x.FailedRequests)]);
        }
        Table(output, rows, leftColumns: 1);
        output.WriteLine();
        rows = [["operation (before the run, one thread, 10 batches)", "µs, fastest batch", "µs, all batches"]];
        foreach (OperationCost cost in result.CryptoCosts)
            rows.Add([cost.Operation, cost.FastestMicroseconds.ToString("0.0", Invariant), cost.MeanMicroseconds.ToString("0.0", Invariant)]);
        Table(output, rows, leftColumns: 1);
        output.WriteLine();
        output.WriteLine("switched: sends with the new epoch (CallKeys.SendingEpoch changed), timed when CallKeys raised Changed.");
        output.WriteLine("CPU time: of this whole process (the server too when it runs here) from the change until everyone switched.");
        output.WriteLine("Counts are CallKeys.Messages of every client (Sends, Wraps, Received) and the e2ee-sent replies, from the change until they settle.");
        output.WriteLine("Percentiles are nearest-rank.");
        output.WriteLine(result.Failures.Count == 0 ? "key-queue errors: none" : $"key-queue errors: {string.Join("; ", result.Failures)}");
    }

    public static void WriteJson(Stream output, BenchOptions options, MachineInfo machine, object result)
    {
        JsonSerializer.Serialize(output, new { command = CommandLine(options), machine, result }, JsonOptions);
        output.Write("\n"u8);
    }

    /// <summary>"v" when every sample has the same value, else "min–max (mean m)".</summary>
    private static string Range(ChangeSample[] samples, Func<ChangeSample, long> value)
    {
        if (samples.Length == 0) return "-";
        long min = samples.Min(value), max = samples.Max(value);
        return min == max ? min.ToString(Invariant) : $"{min}–{max} (mean {samples.Average(value).ToString("0.0", Invariant)})";
    }

    private static void Table(TextWriter output, List<string[]> rows, int leftColumns)
    {
        int columns = rows[0].Length;
        int[] widths = [.. Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length))];
        for (int r = 0; r < rows.Count; r++)
        {
            output.WriteLine(Row(rows[r], widths, leftColumns));
            if (r == 0)
            {
                output.WriteLine(Row([.. widths.Select((w, c) => c < leftColumns ? new string('-', w) : new string('-', w - 1) + ":")], widths, leftColumns));
            }
        }
    }

    private static string Row(string[] cells, int[] widths, int leftColumns)
    {
        var line = new StringBuilder("|");
        for (int c = 0; c < cells.Length; c++)
            line.Append(' ').Append(c < leftColumns ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c])).Append(" |");
        return line.ToString();
    }

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.0", Invariant) : "-";

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, Invariant) : "?";

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./:=@,+".Contains(ch, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
