using System.Globalization;

namespace Conclave.Bench.CallBots;

/// <summary>
/// CPU time from /proc (Linux), in seconds (USER_HZ ticks, 100 a second). A process's <c>stat</c> has its own utime and
/// stime (all threads) and, in cutime and cstime, those of its children that ended and were waited for; .NET waits for
/// the processes it starts, so an ffmpeg that exits during a window moves from "live child" to the parent's cutime +
/// cstime without being lost or counted twice.
/// </summary>
internal static class ProcCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>A process tree at one instant.</summary>
    /// <param name="Process">The root's own CPU seconds (utime + stime).</param>
    /// <param name="Children">Its descendants': the root's cutime + cstime (ended children) plus every live descendant's
    /// utime + stime + cutime + cstime.</param>
    /// <param name="LiveChildren">Live descendants now.</param>
    /// <param name="Everything">Every process's utime + stime + cutime + cstime summed (kernel threads included): the CPU
    /// used by all processes so far, less what ended without being waited for. Its growth over a window is the machine's
    /// busy time as the same precise per-task accounting sees it. (/proc/stat's busy ticks are sampled at the timer tick
    /// and on this VM under-count bursty, timer-driven work such as 20 ms audio pacing: it showed less busy time than the
    /// bots' process alone.)</param>
    public readonly record struct Tree(double Process, double Children, int LiveChildren, double Everything)
    {
        public double Total => Process + Children;
    }

    /// <summary>The tree rooted at <paramref name="root"/>; null if the root is gone.</summary>
    public static Tree? TreeOf(int root)
    {
        var parents = new Dictionary<int, int>();
        var own = new Dictionary<int, long>();
        var reaped = new Dictionary<int, long>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (Read(pid) is not { } stat) continue;                  // ended meanwhile
            parents[pid] = stat.Parent;
            own[pid] = stat.Own;
            reaped[pid] = stat.Reaped;
        }
        if (!own.TryGetValue(root, out long rootOwn)) return null;
        long everything = own.Values.Sum() + reaped.Values.Sum();
        long children = reaped[root];
        int live = 0;
        foreach (int pid in own.Keys)
        {
            for (int p = parents[pid], hops = 0; p > 1 && hops < 64; p = parents.GetValueOrDefault(p), hops++)
            {
                if (p != root) continue;
                children += own[pid] + reaped[pid];
                live++;
                break;
            }
        }
        return new Tree(rootOwn / TicksPerSecond, children / TicksPerSecond, live, everything / TicksPerSecond);
    }

    /// <summary>This process's own CPU seconds (utime + stime; its children excluded).</summary>
    public static double Self() => (Read(Environment.ProcessId)?.Own ?? 0) / TicksPerSecond;

    private static (int Parent, long Own, long Reaped)? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // pid (comm) state ppid … utime stime cutime cstime: fields after the last ')' (comm may hold spaces and parentheses).
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(f[1], CultureInfo.InvariantCulture),
            long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture),
            long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture));
    }
}
