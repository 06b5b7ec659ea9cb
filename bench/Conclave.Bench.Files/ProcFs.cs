using System.Globalization;

namespace Conclave.Bench.Files;

/// <summary>
/// CPU time and resident memory of a process from /proc (Linux): <c>stat</c> (utime + stime, in USER_HZ ticks, 100 a
/// second) and <c>status</c> (VmRSS, VmHWM: the peak resident set). Writing 5 to <c>clear_refs</c> resets VmHWM to the
/// current RSS, so each phase of a run gets its own peak.
/// </summary>
internal static class ProcFs
{
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds (user + system, all threads) used so far by <paramref name="pid"/>; null if it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid … utime stime: fields after the last ')' (comm may hold spaces and parentheses).
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>This process's CPU seconds, at the runtime's resolution (finer than /proc's ticks).</summary>
    public static double SelfCpuSeconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Resident memory of a process, bytes: VmRSS now and its parts (RssAnon: private heap and stacks;
    /// RssFile: mapped files, i.e. the runtime's and the assemblies' code, clean and shared with other processes;
    /// RssShmem: shared memory, which .NET uses for its double-mapped JIT code), and VmHWM, the peak of VmRSS.</summary>
    public readonly record struct Resident(long Rss, long Anon, long File, long Shmem, long Peak);

    /// <summary>The resident memory of <paramref name="pid"/>; null if it is gone.</summary>
    public static Resident? Memory(int pid)
    {
        try
        {
            long rss = -1, peak = -1, anon = -1, file = -1, shmem = -1;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line) * 1024;
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kilobytes(line) * 1024;
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kilobytes(line) * 1024;
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal)) shmem = Kilobytes(line) * 1024;
            }
            return rss < 0 || peak < 0 ? null : new Resident(rss, anon, file, shmem, peak);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Resets <paramref name="pid"/>'s VmHWM to its current RSS; false if the kernel refused.</summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
