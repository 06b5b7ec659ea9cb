using System.Globalization;

namespace Conclave.Bench.E2eeCall;

/// <summary>
/// CPU time (user + system) of this process's descendants, from /proc/&lt;pid&gt;/stat (Linux): the Playwright driver and
/// the browser it starts (browser, renderer, utility and zygote processes), each with all its threads. Ticks are
/// USER_HZ, 100 a second on Linux.
/// </summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far by every live descendant of this process.</summary>
    public static double DescendantsSeconds()
    {
        var parents = new Dictionary<int, int>();
        var ticks = new Dictionary<int, long>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;                                             // the process ended meanwhile
            }
            // pid (comm) state ppid … utime stime: fields after the last ')' (comm may hold spaces and parentheses).
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        int self = Environment.ProcessId;
        long total = 0;
        foreach ((int pid, long t) in ticks)
        {
            for (int p = parents[pid], hops = 0; p > 1 && hops < 64; p = parents.GetValueOrDefault(p), hops++)
            {
                if (p != self) continue;
                total += t;
                break;
            }
        }
        return total / TicksPerSecond;
    }
}
