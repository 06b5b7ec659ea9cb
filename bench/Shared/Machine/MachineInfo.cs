using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Conclave.Bench;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(int LogicalCores, string? CpuModel, string Os, string Runtime, bool ServerGc, double? LoadAverage, long MemoryMiB)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount, ReadCpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC, ReadLoadAverage(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20);

    /// <summary>The report's machine line: cores, CPU model, memory, OS.</summary>
    public string Describe() =>
        $"machine: {LogicalCores} logical cores{(CpuModel is { } cpu ? $", {cpu}" : "")}, {MemoryMiB / 1024} GiB; {Os}";

    /// <summary>The first lines of a report: the command, when it ran and how loaded the machine was, the machine.</summary>
    public void WriteHeader(TextWriter output, string tool, IEnumerable<string> arguments, DateTimeOffset startedAt, double seconds,
        double? loadBefore, double? loadAfter)
    {
        static string Load(double? load) => load is { } l ? l.ToString("0.0", CultureInfo.InvariantCulture) : "–";
        output.WriteLine($"command: {tool} {string.Join(' ', arguments)}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"started: {startedAt:yyyy-MM-dd HH:mm:ss} UTC, {seconds:0} s; 1-minute load average {Load(loadBefore)} before, {Load(loadAfter)} after"));
        output.WriteLine(Describe());
    }

    /// <summary>The 1-minute load average now (Linux), to tell a quiet machine from a busy one.</summary>
    public static double? ReadLoadAverage()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double load) ? load : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadCpuModel()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    return line[(colon + 1)..].Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // unknown CPU model: not worth failing the run
        }
        return null;
    }
}
