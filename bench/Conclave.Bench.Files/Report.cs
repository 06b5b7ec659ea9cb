using System.Globalization;

namespace Conclave.Bench.Files;

/// <summary>Prints the results as Markdown.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(TextWriter output, BenchOptions options, MachineInfo machine, FilesResult result)
    {
        machine.WriteHeader(output, "Conclave.Bench.Files", options.RedactedArguments, result.StartedAt, result.TotalSeconds, result.LoadBefore, result.LoadAfter);
        output.WriteLine($"runtime: {machine.Runtime}; this process (tool, and the in-process server and client): {(machine.ServerGc ? "server" : "workstation")} GC");
        var blocks = TestFiles.ServerBlocks(result.Encrypted);
        output.WriteLine($"file:    {result.FileName}: {N(result.Size)} bytes of random plaintext, {N(result.EncryptedLength)} bytes encrypted (4 MiB chunks); " +
            $"the server stages {blocks.Count} blocks ({blocks.Count(b => b.Length == TestFiles.ServerBlockSize)} of {TestFiles.ServerBlockSize / TestFiles.MiB} MiB), " +
            $"one PATCH, the head ({result.Encrypted.HeadLength} bytes) last");
        output.WriteLine("MiB/s: encrypted bytes / seconds, MiB = 2^20 bytes");

        List<string[]> rows;
        if (result.Crypto.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"### Crypto, one thread, {options.CryptoMiB} MiB in memory ({CryptoBench.Repetitions} repetitions after a warm-up)");
            output.WriteLine();
            rows = [["pass", "MiB/s (median)", "MiB per CPU-second (median)", "min–max per CPU-second"]];
            foreach (CryptoResult c in result.Crypto)
                rows.Add([c.Pass, F(Median(c.MiBps), "0"), F(Median(c.MiBPerCpuSecond), "0"), $"{F(c.MiBPerCpuSecond.Min(), "0")}–{F(c.MiBPerCpuSecond.Max(), "0")}"]);
            Table(output, rows, 1);
        }

        foreach (StoreKind store in options.Stores)
        {
            List<RawResult> raw = [.. result.Raw.Where(r => r.Store == store)];
            List<EndToEndResult> e2e = [.. result.EndToEnd.Where(r => r.Store == store)];
            if (e2e.Count == 0) continue;
            List<RawResult> server = [.. raw.Where(r => r.Variant == RawStoreBench.FileStoreVariant)];
            List<RawResult> sdk = [.. raw.Where(r => r.Variant == RawStoreBench.SdkVariant)];

            output.WriteLine();
            output.WriteLine($"### {store}: raw store vs end to end (in-process server)");
            output.WriteLine();
            rows = [["run", "raw stage MiB/s", "raw stage+commit MiB/s", "SendAsync MiB/s", "SendAsync / raw", "upload phase MiB/s", "upload phase / raw",
                "raw read MiB/s", "ReceiveAsync MiB/s", "ReceiveAsync / raw read"]];
            for (int i = 0; i < e2e.Count; i++)
            {
                RawResult r = server[i];
                EndToEndResult e = e2e[i];
                rows.Add([e.Run.ToString(Invariant), F(r.StageMiBps, "0"), F(r.UploadMiBps, "0"), F(e.SendMiBps, "0"), P(e.SendMiBps / r.UploadMiBps),
                    F(e.UploadPhaseMiBps, "0"), P(e.UploadPhaseMiBps / r.UploadMiBps), F(r.ReadMiBps, "0"), F(e.ReceiveMiBps, "0"), P(e.ReceiveMiBps / r.ReadMiBps)]);
            }
            Table(output, rows, 0);

            output.WriteLine();
            output.WriteLine("Raw store, per run (the server's blocks one after the other; commit; read back whole):");
            output.WriteLine();
            rows = [["variant", "run", "blocks", "stage s", "per block ms p50 / p90 / max", "commit s", "read s", "tool CPU s (upload)", "Azurite CPU s (upload)", "tool CPU s (read)", "Azurite CPU s (read)"]];
            foreach (List<RawResult> variant in new[] { server, sdk })
            {
                for (int i = 0; i < variant.Count; i++)
                {
                    RawResult r = variant[i];
                    Summary s = Summary.Of([.. r.StageMs]);
                    rows.Add([r.Variant, (i + 1).ToString(Invariant), r.Blocks.ToString(Invariant), F(r.StageSeconds, "0.00"),
                        $"{F(s.P50, "0.0")} / {F(s.P90, "0.0")} / {F(s.Max, "0.0")}", F(r.CommitSeconds, "0.000"), F(r.ReadSeconds, "0.00"),
                        F(r.ToolCpuSeconds, "0.00"), F(r.AzuriteCpuSeconds, "0.00"), F(r.ReadToolCpuSeconds, "0.00"), F(r.ReadAzuriteCpuSeconds, "0.00")]);
                }
            }
            Table(output, rows, 1);

            output.WriteLine();
            output.WriteLine("SendAsync, where the time went (seconds):");
            output.WriteLine();
            rows = [["run", "SendAsync", "device lookup + POST + HEAD", "upload phase", "key wraps", "server: store only", "body only", "both", "neither",
                "Σ stage (n)", "in-situ stage MiB/s", "commit", "gaps in a PATCH: n, p50 ms, Σ", "gaps between PATCHes: n, mean ms, Σ",
                "client: source reads", "network writes", "PATCH / HEAD", "process CPU s", "Azurite CPU s"]];
            foreach (EndToEndResult e in e2e)
            {
                UploadResult u = e.Upload;
                rows.Add([e.Run.ToString(Invariant), F(u.SendSeconds, "0.00"), F(u.BeforeUploadSeconds, "0.000"),
                    F(u.UploadSeconds, "0.00"), F(u.KeysSeconds, "0.000"), F(u.StoreOnly, "0.00"), F(u.BodyOnly, "0.00"), F(u.Both, "0.00"), F(u.Neither, "0.00"),
                    $"{F(u.StageSeconds, "0.00")} ({u.Stages})", F(e.EncryptedLength / (double)TestFiles.MiB / u.StageSeconds, "0"), F(u.CommitSeconds, "0.000"),
                    $"{u.InnerGapMs.Count}, {F(Summary.Of([.. u.InnerGapMs]).P50, "0.0")}, {F(u.InnerGapMs.Sum() / 1000, "0.00")}",
                    $"{u.BoundaryGapMs.Count}, {F(u.BoundaryGapMs.DefaultIfEmpty(double.NaN).Average(), "0.0")}, {F(u.BoundaryGapMs.Sum() / 1000, "0.00")}",
                    F(u.SourceSeconds, "0.00"), F(u.NetworkWriteSeconds, "0.00"), $"{u.Patches} / {u.Heads}", F(u.CpuSeconds, "0.00"), F(u.AzuriteCpuSeconds, "0.00")]);
            }
            Table(output, rows, 0);

            output.WriteLine();
            output.WriteLine("ReceiveAsync, where the time went (seconds):");
            output.WriteLine();
            rows = [["run", "ReceiveAsync", "before GET", "GET → headers (blob open)", "body", "after body", "server: store reads", "server: blob stream open",
                "client: waiting for body", "client: own work in body", "process CPU s", "Azurite CPU s"]];
            foreach (EndToEndResult e in e2e)
            {
                DownloadResult d = e.Download;
                rows.Add([e.Run.ToString(Invariant), F(d.ReceiveSeconds, "0.00"), F(d.BeforeGetSeconds, "0.000"), $"{F(d.GetSeconds, "0.000")} ({F(d.BlobOpenSeconds, "0.000")})",
                    F(d.BodySeconds, "0.00"), F(d.AfterSeconds, "0.000"), F(d.BlobReadSeconds, "0.00"), F(d.BlobStreamSeconds, "0.00"),
                    F(d.ResponseReadSeconds, "0.00"), F(d.BodySeconds - d.ResponseReadSeconds, "0.00"), F(d.CpuSeconds, "0.00"), F(d.AzuriteCpuSeconds, "0.00")]);
            }
            Table(output, rows, 0);
        }

        if (result.Memory.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"### Memory: server and client in separate processes, {N(result.Memory[0].Size)} bytes ({result.Memory[0].Size / TestFiles.MiB} MiB)");
            output.WriteLine();
            string extra = options.ServerEnvironment.Count == 0 ? "" : " with " + string.Join(' ', options.ServerEnvironment.Select(p => $"{p.Key}={p.Value}"));
            output.WriteLine($"server: Conclave.MediaServer.dll (its runtimeconfig: server GC){extra}; client: this tool as child-client (DOTNET_gcServer=0, as the CLI). " +
                "Each process is fresh: the one transfer includes its JIT warm-up. Peak = VmHWM (peak VmRSS), reset between phases; " +
                "at end = RssAnon (private heap, stacks) / RssFile (mapped runtime and assemblies, shared, clean) / RssShmem (double-mapped JIT code) when the phase ended.");
            output.WriteLine();
            rows = [["store", "phase", "seconds", "MiB/s", "server peak MiB", "server at end: anon / file / shmem", "client peak MiB",
                "client at end: anon / file / shmem", "server CPU s", "client CPU s", "Azurite CPU s"]];
            foreach (MemoryResult m in result.Memory)
            {
                string store = m.Store.ToString();
                rows.Add([store, "start → client ready", "", "", Mi(m.ServerReady.Peak), Parts(m.ServerReady), Mi(m.ClientReady.Peak), Parts(m.ClientReady), "", "", ""]);
                rows.Add([store, $"SendAsync (upload {F(m.Upload.UploadSeconds, "0.0")} s)",
                    F(m.Upload.Seconds, "0.0"), F(m.EncryptedLength / (double)TestFiles.MiB / m.Upload.Seconds, "0"), Mi(m.Upload.Server.Peak), Parts(m.Upload.Server),
                    Mi(m.Upload.Client.Peak), Parts(m.Upload.Client), F(m.Upload.ServerCpuSeconds, "0.0"), F(m.Upload.ClientCpuSeconds, "0.0"),
                    F(m.Upload.AzuriteCpuSeconds, "0.0")]);
                rows.Add([store, "ReceiveAsync", F(m.Download.Seconds, "0.0"), F(m.EncryptedLength / (double)TestFiles.MiB / m.Download.Seconds, "0"),
                    Mi(m.Download.Server.Peak), Parts(m.Download.Server), Mi(m.Download.Client.Peak), Parts(m.Download.Client),
                    F(m.Download.ServerCpuSeconds, "0.0"), F(m.Download.ClientCpuSeconds, "0.0"), F(m.Download.AzuriteCpuSeconds, "0.0")]);
                rows.Add([store, "**peak of the run**", "", "", $"**{Mi(m.ServerPeak)}**", "", $"**{Mi(m.ClientPeak)}**", "", "", "", ""]);
            }
            Table(output, rows, 2);
            if (result.Memory.Any(m => !m.PeaksReset)) output.WriteLine("(the kernel refused a peak reset: later phases' peaks include the earlier ones)");
        }
    }

    private static double Median(IReadOnlyList<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Parts(ProcFs.Resident r) => $"{Mi(r.Anon)} / {Mi(r.File)} / {Mi(r.Shmem)}";

    private static string Mi(long bytes) => (bytes / (double)TestFiles.MiB).ToString("0", Invariant);

    private static string N(long value) => value.ToString("N0", Invariant);

    private static string P(double ratio) => (ratio * 100).ToString("0", Invariant) + " %";

    private static string F(double? value, string format) => value is { } v && !double.IsNaN(v) ? v.ToString(format, Invariant) : "–";

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
