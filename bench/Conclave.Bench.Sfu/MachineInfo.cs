using System.Runtime;
using System.Runtime.InteropServices;

namespace Conclave.Bench.Sfu;

/// <summary>What the numbers were measured on: the SFU and the simulated participants share it.</summary>
/// <param name="UdpReceiveBufferDefault">net.core.rmem_default: a UDP socket's receive buffer unless it asks for
/// another (-1 if unknown).</param>
/// <param name="UdpReceiveBufferMax">net.core.rmem_max: the most a socket may ask for.</param>
internal sealed record MachineInfo(int LogicalCores, string? CpuModel, string Os, string Runtime, string Build, bool ServerGc, double LoadAverage,
    long UdpReceiveBufferDefault, long UdpReceiveBufferMax)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        ReadFirst("/proc/cpuinfo", "model name"),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        GCSettings.IsServerGC,
        ReadLoadAverage(),
        ReadNumber("/proc/sys/net/core/rmem_default"),
        ReadNumber("/proc/sys/net/core/rmem_max"));

    // Linux only; null or -1 elsewhere (the report then omits them).
    private static string? ReadFirst(string file, string key)
    {
        try
        {
            if (!File.Exists(file)) return null;
            foreach (string line in File.ReadLines(file))
            {
                if (line.StartsWith(key, StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    return line[(colon + 1)..].Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unknown; not worth failing the run.
        }
        return null;
    }

    private static long ReadNumber(string file)
    {
        try
        {
            return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture, out long n) ? n : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static double ReadLoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out double load)
                ? load
                : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
