using System.Runtime;
using System.Runtime.InteropServices;

namespace Conclave.Bench.Signaling;

/// <summary>What the numbers were measured on (the client's machine; on loopback also the server's).</summary>
internal sealed record MachineInfo(
    int LogicalCores, string? CpuModel, string Os, string Architecture, string Runtime, string ClientBuild, bool ServerGc)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
        RuntimeInformation.FrameworkDescription,
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        GCSettings.IsServerGC);

    // Linux only; null elsewhere (the report then omits it).
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
            // Unknown CPU model; not worth failing the run.
        }
        return null;
    }
}
