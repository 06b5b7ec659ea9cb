using System.Globalization;

namespace Conclave.Bench.CallBots;

/// <summary>Prints the results as Markdown. CPU is in % of one core: CPU seconds per second of the window × 100.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(TextWriter output, BenchOptions options, MachineInfo machine, CallBotsResult result)
    {
        machine.WriteHeader(output, "Conclave.Bench.CallBots", options.Arguments, result.StartedAt, result.TotalSeconds, result.LoadBefore, result.LoadAfter);
        output.WriteLine($"runtime: {machine.Runtime}; the server: this process, {(machine.ServerGc ? "server" : "workstation")} GC; the bots: one child process "
            + "(this tool as 'bots'), workstation GC like the CLI, and its ffmpeg children");
        if (result.ClipDescription is { } clip)
            output.WriteLine($"clip:    {clip}{(result.ClipCommand is { } command ? $" (made with: {command})" : "")}");
        output.WriteLine($"window:  {options.Seconds} s, starting {options.WarmupSeconds} s after every bot sent its first frames; CPU = utime + stime from /proc, "
            + "in % of one core (CPU seconds per second); ffmpeg = the bots' process's children, live and ended");

        output.WriteLine();
        output.WriteLine("### Cases");
        output.WriteLine();
        List<string[]> rows = [["media", "Opus complexity", "bots", "joined in s", "bots' .NET process %", "ffmpeg %", "bots total %", "**per bot %**",
            "server %", "server per bot %", $"machine busy % (of {machine.LogicalCores * 100}): mean / busiest second", "other processes %: mean / busiest second", "Opus frames/s per bot min / mean",
            "pacer late ms p50 / p99 / max", "skipped", "VP8 frames/s per bot min / mean", "VP8 pictures skipped", "no key / failed",
            "keyframe requests / encoders", "ffmpeg processes", "real time"]];
        foreach (CaseResult c in result.Cases)
        {
            bool video = c.Media == BotMedia.Video;
            BotsWindow w = c.Window;
            rows.Add([video ? "audio+video" : "audio", c.Complexity.ToString(Invariant), c.Bots.ToString(Invariant), F(c.JoinSeconds, "0.0"),
                Pct(c.BotsProcessCores), Pct(c.FfmpegCores), Pct(c.BotsCores), $"**{Pct(c.PerBotCores, "0.00")}**", Pct(c.ServerCores), Pct(c.ServerCores / c.Bots, "0.00"),
                $"{Pct(c.MachineBusyCores, "0")} / {Pct(c.MachineBusiestSecond, "0")}", $"{Pct(c.OtherCores, "0")} / {Pct(c.OthersBusiestSecond, "0")}", $"{F(w.AudioMin, "0.0")} / {F(w.AudioMean, "0.0")}",
                $"{F(w.LateP50, "0.0")} / {F(w.LateP99, "0.0")} / {F(w.LateMax, "0")}", w.Skipped.ToString(Invariant),
                video ? $"{F(w.VideoMin, "0.0")} / {F(w.VideoMean, "0.0")}" : "–", video ? w.VideoSkipped.ToString(Invariant) : "–",
                $"{w.AudioWithoutKey + w.VideoWithoutKey} / {w.AudioFailed + w.VideoFailed}{(w.Errors > 0 ? $" ({w.Errors} bots with an error)" : "")}",
                video ? $"{w.KeyframeRequests} / {w.Encoders}" : "–", c.FfmpegProcesses.ToString(Invariant), c.KeptRealTime ? "yes" : "**no**"]);
        }
        Table(output, rows, 2);
        output.WriteLine();
        output.WriteLine("Real time: every bot sent at least 99 % of 50 Opus frames a second and the pacer skipped none (skips are inferred from the "
            + "pacer's calls: after a stall of more than 10 frames it skips the lost time); with video, every bot also sent at least 95 % of 30 VP8 "
            + "frames a second. Pacer lateness: each frame's call against its deadline, all bots together. Machine busy: the CPU time of every process in /proc "
            + "(the same per-task accounting as the bots' and the server's); other processes: that less the server's and the bots' (the machine "
            + "is shared); busiest second: the largest of the window's 1-second samples.");

        output.WriteLine();
        output.WriteLine("### Per series");
        output.WriteLine();
        rows = [["media", "Opus complexity", "largest N in real time", "per bot at that N %", "marginal per bot % (slope)", "fixed % (intercept)",
            "**bots per core** (100 / per bot)", "bots per core (100 / slope)", "server per bot % at that N", "first N not in real time"]];
        foreach (IGrouping<(BotMedia Media, int Complexity), CaseResult> s in result.Cases.GroupBy(c => (c.Media, c.Complexity)))
        {
            List<CaseResult> kept = [.. s.Where(c => c.KeptRealTime)];
            CaseResult? largest = kept.MaxBy(c => c.Bots);
            (double slope, double intercept)? fit = kept.Select(c => c.Bots).Distinct().Count() >= 2 ? Fit(kept) : null;
            CaseResult? broke = s.Where(c => !c.KeptRealTime).MinBy(c => c.Bots);
            rows.Add([s.Key.Media == BotMedia.Video ? "audio+video" : "audio", s.Key.Complexity.ToString(Invariant),
                largest?.Bots.ToString(Invariant) ?? "none", largest is null ? "–" : Pct(largest.PerBotCores, "0.00"),
                fit is { } f1 ? Pct(f1.slope, "0.00") : "–", fit is { } f2 ? Pct(f2.intercept, "0.0") : "–",
                largest is null ? "–" : $"**{F(1 / largest.PerBotCores, "0.0")}**", fit is { } f3 && f3.slope > 0 ? F(1 / f3.slope, "0.0") : "–",
                largest is null ? "–" : Pct(largest.ServerCores / largest.Bots, "0.00"),
                broke is null ? $"none up to {s.Max(c => c.Bots)}" : broke.Bots.ToString(Invariant)]);
        }
        Table(output, rows, 2);
        output.WriteLine();
        output.WriteLine("Slope and intercept: least squares of the bots' CPU (% of a core) against N over the cases in real time: what one more bot "
            + "costs, and what the bots' process costs whatever N (runtime, timers, signaling). Bots per core: one core's worth of CPU divided by "
            + "the cost of one bot; on this machine the bots share the cores with the server and whatever else runs.");
    }

    private static (double Slope, double Intercept) Fit(List<CaseResult> cases)
    {
        double mx = cases.Average(c => (double)c.Bots), my = cases.Average(c => c.BotsCores);
        double sxy = cases.Sum(c => (c.Bots - mx) * (c.BotsCores - my)), sxx = cases.Sum(c => (c.Bots - mx) * (c.Bots - mx));
        double slope = sxy / sxx;
        return (slope, my - slope * mx);
    }

    private static string Pct(double cores, string format = "0.0") => F(cores * 100, format);

    private static string F(double? value, string format) => value is { } v && !double.IsNaN(v) && !double.IsInfinity(v) ? v.ToString(format, Invariant) : "–";

    /// <summary>A Markdown table, columns padded; the first <paramref name="leftColumns"/> left-aligned, the rest right.</summary>
    private static void Table(TextWriter output, List<string[]> rows, int leftColumns)
    {
        int columns = rows[0].Length;
        int[] widths = [.. Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length))];
        for (int r = 0; r < rows.Count; r++)
        {
            output.WriteLine("| " + string.Join(" | ", rows[r].Select((cell, c) => c < leftColumns ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))) + " |");
            if (r == 0)
                output.WriteLine("|" + string.Join("|", widths.Select((w, c) => c < leftColumns ? " " + new string('-', w) + " " : " " + new string('-', w - 1) + ": ")) + "|");
        }
    }
}
