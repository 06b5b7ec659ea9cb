using System.Diagnostics;
using System.Globalization;

namespace Conclave.Bench.Sfu;

/// <summary>The CPU time of every thread of this process at one moment, from <c>/proc/self/task/&lt;tid&gt;/stat</c>
/// (utime + stime, proc(5)) and <c>comm</c> (the thread's name, which Linux truncates to 15 characters), the whole
/// process's CPU time, and the machine's busy and stolen time from the first line of <c>/proc/stat</c> (what other
/// processes and the hypervisor took from the run). Linux only; elsewhere the thread list is empty and the machine's
/// counters are 0.</summary>
internal sealed class ThreadCpuSnapshot
{
    /// <summary>USER_HZ: the unit of utime and stime. 100 on every Linux architecture .NET runs on
    /// (<c>getconf CLK_TCK</c>).</summary>
    public const int ClockTicksPerSecond = 100;

    private ThreadCpuSnapshot(Dictionary<int, (string Name, long Ticks)> threads, TimeSpan process, long machineBusyTicks, long machineStealTicks)
    {
        Threads = threads;
        ProcessCpu = process;
        MachineBusyTicks = machineBusyTicks;
        MachineStealTicks = machineStealTicks;
    }

    /// <summary>Thread id → name and CPU ticks.</summary>
    public IReadOnlyDictionary<int, (string Name, long Ticks)> Threads { get; }

    public TimeSpan ProcessCpu { get; }

    /// <summary>Clock ticks every CPU of the machine spent running anything (user, nice, system, irq, softirq).</summary>
    public long MachineBusyTicks { get; }

    /// <summary>Clock ticks the hypervisor ran something else while the machine's CPUs wanted to run.</summary>
    public long MachineStealTicks { get; }

    public static ThreadCpuSnapshot Take()
    {
        var threads = new Dictionary<int, (string, long)>();
        if (OperatingSystem.IsLinux())
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid)) continue;
                try
                {
                    string name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                    threads[tid] = (name, ReadTicks(File.ReadAllText(Path.Combine(task, "stat"))));
                }
                catch (IOException)
                {
                    // The thread ended between the listing and the read.
                }
            }
        }
        using var process = Process.GetCurrentProcess();
        (long busy, long steal) = ReadMachine();
        return new ThreadCpuSnapshot(threads, process.TotalProcessorTime, busy, steal);
    }

    // proc(5) /proc/stat: "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock ticks.
    private static (long Busy, long Steal) ReadMachine()
    {
        if (!File.Exists("/proc/stat")) return (0, 0);
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7), Field(8));
    }

    /// <summary>The id of the thread named <paramref name="name"/> (compared as Linux stores it: at most 15
    /// characters), or null.</summary>
    public int? Find(string name)
    {
        string stored = name.Length > 15 ? name[..15] : name;
        foreach ((int tid, (string Name, long _) thread) in Threads)
        {
            if (thread.Name == stored) return tid;
        }
        return null;
    }

    /// <summary>CPU seconds a thread used between <paramref name="before"/> and this snapshot (0 if it is gone).</summary>
    public double CpuSecondsSince(ThreadCpuSnapshot before, int tid)
    {
        if (!Threads.TryGetValue(tid, out var now)) return 0;
        long start = before.Threads.TryGetValue(tid, out var then) ? then.Ticks : 0;
        return (double)(now.Ticks - start) / ClockTicksPerSecond;
    }

    /// <summary>CPU seconds per thread name (digits removed, so the 20 clients' receive threads form one group)
    /// between <paramref name="before"/> and this snapshot, largest first.</summary>
    public IReadOnlyList<(string Group, int Threads, double CpuSeconds)> GroupsSince(ThreadCpuSnapshot before)
    {
        var groups = new Dictionary<string, (int Threads, double Seconds)>(StringComparer.Ordinal);
        foreach ((int tid, (string name, long _)) in Threads)
        {
            string group = new([.. name.Where(c => !char.IsAsciiDigit(c))]);
            double seconds = CpuSecondsSince(before, tid);
            groups[group] = groups.TryGetValue(group, out var g) ? (g.Threads + 1, g.Seconds + seconds) : (1, seconds);
        }
        return [.. groups.OrderByDescending(g => g.Value.Seconds).Select(g => (g.Key, g.Value.Threads, g.Value.Seconds))];
    }

    // proc(5): "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so fields count from the last ')'.
    // After it, field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
    private static long ReadTicks(string stat)
    {
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
