using System.Diagnostics.Tracing;

namespace Conclave.Bench.Sfu;

/// <summary>Which threads allocate, and what: the runtime's GCAllocationTick event (raised on the allocating thread
/// about every 100 KB of allocations, with the type of the object that crossed the mark) counted per OS thread id
/// and type while <see cref="IsSampling"/>. <c>GC.GetTotalAllocatedBytes</c> gives the process total; this tells
/// whether the SFU's receive thread is among the allocators. The listener's own work happens on the runtime's
/// dispatch thread and allocates there.</summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;                     // GCAllocationTick_V4
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly Lock _lock = new();
    private readonly Dictionary<(int Thread, string Type), (long Samples, long Bytes)> _samples = [];
    private volatile bool _sampling;

    /// <summary>Counts ticks while true.</summary>
    public bool IsSampling
    {
        get => _sampling;
        set => _sampling = value;
    }

    /// <summary>Samples so far: thread id, type, tick count and the bytes the ticks stand for.</summary>
    public IReadOnlyList<(int Thread, string Type, long Samples, long Bytes)> Samples
    {
        get
        {
            lock (_lock) return [.. _samples.Select(s => (s.Key.Thread, s.Key.Type, s.Value.Samples, s.Value.Bytes))];
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_sampling || eventData.EventId != AllocationTickEventId || eventData.Payload is null || eventData.PayloadNames is null) return;
        int amountAt = eventData.PayloadNames.IndexOf("AllocationAmount64");
        int typeAt = eventData.PayloadNames.IndexOf("TypeName");
        long bytes = amountAt >= 0 && eventData.Payload[amountAt] is ulong amount ? (long)amount : 0;
        string type = typeAt >= 0 ? eventData.Payload[typeAt] as string ?? "?" : "?";
        var key = ((int)eventData.OSThreadId, type);
        lock (_lock) _samples[key] = _samples.TryGetValue(key, out var s) ? (s.Samples + 1, s.Bytes + bytes) : (1, bytes);
    }
}
