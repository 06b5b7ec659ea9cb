using System.Diagnostics;

namespace Conclave.Bench.Sfu;

/// <summary>The managed heap after a full collection, and the process's working set, at one moment.</summary>
internal readonly record struct MemorySample(long HeapBytes, long WorkingSetBytes)
{
    private const double Megabyte = 1024 * 1024;

    public static MemorySample Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return new MemorySample(heap, process.WorkingSet64);
    }

    /// <summary>The three samples of a run, and what each participant added: connected (no media yet) and running
    /// (after the warm-up, with retransmission buffers filled).</summary>
    public static MemoryResult Compare(MemorySample baseline, MemorySample connected, MemorySample running, int participants) => new(
        baseline.HeapBytes / Megabyte, baseline.WorkingSetBytes / Megabyte,
        connected.HeapBytes / Megabyte, connected.WorkingSetBytes / Megabyte,
        running.HeapBytes / Megabyte, running.WorkingSetBytes / Megabyte,
        (connected.HeapBytes - baseline.HeapBytes) / 1024.0 / participants,
        (connected.WorkingSetBytes - baseline.WorkingSetBytes) / 1024.0 / participants,
        (running.HeapBytes - baseline.HeapBytes) / 1024.0 / participants,
        (running.WorkingSetBytes - baseline.WorkingSetBytes) / 1024.0 / participants);
}
