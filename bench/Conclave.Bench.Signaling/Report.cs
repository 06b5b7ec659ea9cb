using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Conclave.Bench.Signaling;

/// <summary>Prints a <see cref="BenchResult"/> as a Markdown table or as JSON.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string CommandLine(BenchOptions options) =>
        "Conclave.Bench.Signaling " + string.Join(' ', options.RedactedArguments.Select(Quote));

    public static void WriteTable(TextWriter output, BenchOptions options, MachineInfo machine, BenchResult result)
    {
        output.WriteLine($"command: {CommandLine(options)}");
        output.WriteLine($"server:  {options.Server}  room: {result.Room}  started: {result.StartedAt:yyyy-MM-dd HH:mm:ss} UTC");
        output.WriteLine($"machine: {machine.LogicalCores} logical cores{(machine.CpuModel is { } cpu ? $", {cpu}" : "")}; {machine.Os} ({machine.Architecture})");
        output.WriteLine($"runtime: {machine.Runtime}; client build {machine.ClientBuild}, {(machine.ServerGc ? "server" : "workstation")} GC");
        output.WriteLine($"joins:   {options.Joins} measured after {options.Warmup} warmup, sequential; room size at each join {options.RoomSize} " +
            $"({result.Residents} resident(s) + the joiner); setup {result.SetupTime.TotalSeconds.ToString("0.0", Invariant)} s, " +
            $"measured phase {result.MeasuredTime.TotalSeconds.ToString("0.0", Invariant)} s");
        output.WriteLine();

        string[] header = ["metric (ms)", "count", "min", "p50", "p90", "p99", "max", "mean"];
        var rows = new List<string[]> { header };
        foreach (Metric metric in result.Metrics)
        {
            Summary s = metric.Summarize();
            rows.Add([metric.Label, s.Count.ToString(Invariant), F(s.Min), F(s.P50), F(s.P90), F(s.P99), F(s.Max), F(s.Mean)]);
        }
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length))];
        for (int r = 0; r < rows.Count; r++)
        {
            output.WriteLine(Row(rows[r], widths));
            if (r == 0) output.WriteLine(Row([.. widths.Select((w, c) => c == 0 ? new string('-', w) : new string('-', w - 1) + ":")], widths));
        }
        output.WriteLine();
        output.WriteLine("Percentiles are nearest-rank. Rows:");
        foreach (Metric metric in result.Metrics) output.WriteLine($"  {metric.Label}: {metric.Description}");
    }

    public static void WriteJson(Stream output, BenchOptions options, MachineInfo machine, BenchResult result)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("command", CommandLine(options));
        json.WriteString("server", options.Server.ToString());
        json.WriteString("room", result.Room);
        json.WriteString("startedAt", result.StartedAt);
        json.WriteNumber("joins", options.Joins);
        json.WriteNumber("warmup", options.Warmup);
        json.WriteNumber("roomSize", options.RoomSize);
        json.WriteNumber("residents", result.Residents);
        json.WriteNumber("setupSeconds", Math.Round(result.SetupTime.TotalSeconds, 3));
        json.WriteNumber("measuredSeconds", Math.Round(result.MeasuredTime.TotalSeconds, 3));

        json.WriteStartObject("machine");
        json.WriteNumber("logicalCores", machine.LogicalCores);
        if (machine.CpuModel is { } cpu) json.WriteString("cpuModel", cpu);
        json.WriteString("os", machine.Os);
        json.WriteString("architecture", machine.Architecture);
        json.WriteString("runtime", machine.Runtime);
        json.WriteString("clientBuild", machine.ClientBuild);
        json.WriteBoolean("serverGc", machine.ServerGc);
        json.WriteEndObject();

        json.WriteString("unit", "ms");
        json.WriteString("percentiles", "nearest-rank");
        json.WriteStartObject("metrics");
        foreach (Metric metric in result.Metrics)
        {
            Summary s = metric.Summarize();
            json.WriteStartObject(metric.Key);
            json.WriteString("label", metric.Label);
            json.WriteString("covers", metric.Description);
            json.WriteNumber("count", s.Count);
            Number(json, "min", s.Min);
            Number(json, "p50", s.P50);
            Number(json, "p90", s.P90);
            Number(json, "p99", s.P99);
            Number(json, "max", s.Max);
            Number(json, "mean", s.Mean);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, Math.Round(value, 4));
        else json.WriteNull(name);
    }

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.000", Invariant) : "-";

    private static string Row(string[] cells, int[] widths)
    {
        var line = new StringBuilder("|");
        for (int c = 0; c < cells.Length; c++)
            line.Append(' ').Append(c == 0 ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c])).Append(" |");
        return line.ToString();
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./:=@,+".Contains(ch, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
