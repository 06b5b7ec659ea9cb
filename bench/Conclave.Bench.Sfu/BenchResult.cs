namespace Conclave.Bench.Sfu;

/// <summary>Everything one run measured, as printed by <see cref="Report"/> (and serialised as is for --json).</summary>
internal sealed record BenchResult(
    string Command,
    MachineInfo Machine,
    double LoadAverageAtEnd,
    string Scenario,
    int Publishers,
    int Subscribers,
    double RateScale,
    int SfuReceiveBuffer,
    double ConnectSeconds,
    int WarmupSeconds,
    double MeasuredSeconds,
    NegotiationSummary Negotiation,
    TrafficResult Traffic,
    CpuResult Cpu,
    LatencyResult Latency,
    LossResult Loss,
    IReadOnlyList<LayerResult> Layers,
    MemoryResult Memory,
    AllocationResult Allocation);

/// <summary>What the router's answers accepted of the wire contract.</summary>
/// <param name="SimulcastAccepted">The camera section's answer has <c>a=simulcast:recv q;h;f</c>.</param>
/// <param name="CameraExtensions">The extmap URIs the answer kept on the camera section.</param>
/// <param name="Legs">Receiving legs the answers announced (an <c>a=ssrc</c> each).</param>
/// <param name="RejectedSubscriptions">Receiving sections answered with port 0 or without an SSRC.</param>
internal sealed record NegotiationSummary(bool SimulcastAccepted, IReadOnlyList<string> CameraExtensions, int Legs, int RejectedSubscriptions);

/// <summary>Packets per second over the measured window.</summary>
internal sealed record TrafficResult(
    double PublishedPerSecond,
    double PublishedAudioPerSecond,
    double PublishedVideoPerSecond,
    double SfuReceivedPerSecond,
    double SfuForwardedPerSecond,
    double SubscribersReceivedPerSecond,
    long Keyframes,
    long KeyframeRequests,
    long SendFailures,
    long SkippedFrames);

/// <summary>CPU seconds over the window; a core share of 1 is one core busy all the time.</summary>
/// <param name="OtherProcessesCoreShare">The machine's busy time not spent by this process: other processes' load.</param>
/// <param name="StealCoreShare">Time the hypervisor gave the machine's CPUs to others.</param>
internal sealed record CpuResult(
    double SfuThreadSeconds,
    double SfuThreadCoreShare,
    double ProcessSeconds,
    double ProcessCoreShare,
    double OtherProcessesCoreShare,
    double StealCoreShare,
    double ForwardedPerSfuCoreSecond,
    double ForwardedPerProcessCoreSecond,
    IReadOnlyList<ThreadGroupResult> Threads);

internal sealed record ThreadGroupResult(string Group, int Threads, double CpuSeconds, double CoreShare);

/// <summary>Microseconds. In-SFU: from the SFU's histogram (datagram handed over by the socket → last copy sent).
/// End to end: the publisher's send call → the subscriber's receive thread, unprotected (loopback, both sides in
/// this process).</summary>
internal sealed record LatencyResult(long SfuCount, double SfuP50, double SfuP90, double SfuP99, double SfuP999, double SfuMax,
    long EndToEndCount, double EndToEndP50, double EndToEndP99);

/// <summary>Packets over the window.</summary>
/// <param name="Expected">Sum over legs of the sequence-number span (RFC 3550 A.3).</param>
/// <param name="Lost">Expected − received: gaps, caused by the SFU or by loopback.</param>
/// <param name="LostOnAudioLegs">The part of <paramref name="Lost"/> on audio legs (the rest is on video legs).</param>
/// <param name="KernelDropsAtSfu">Datagrams the kernel dropped at the SFU's port (it did not read fast enough).</param>
/// <param name="KernelDropsAtClients">Datagrams dropped at the clients' ports (the tool did not read fast enough).</param>
/// <param name="PublishedNotReceived">Packets the publishers sent minus packets the SFU counted as received: the SFU
/// socket's drops plus the packets in flight at the window's edges (approximate; the kernel's count is exact).</param>
/// <param name="LostBeforeKind">Gaps by the kind of the packet that followed them (audio, q, h, f).</param>
/// <param name="LostAtSwitch">Gaps where the leg changed encoding.</param>
/// <param name="LostBeforeKeyframe">Gaps just before a keyframe's packet.</param>
internal sealed record LossResult(long Expected, long Received, long Lost, long LostOnAudioLegs, IReadOnlyList<long> LostBeforeKind,
    long LostAtSwitch, long LostBeforeKeyframe, double LostRatio, long KernelDropsAtSfu, long KernelDropsAtClients,
    long PublishedNotReceived, long Misrouted, long Untagged, long OutOfOrder, long UnknownSsrc, long ListenerDrops, long ListenerSendErrors,
    long ClientSrtpRejected, long ClientSocketDrops, long SfuSrtpRejected,
    IReadOnlyList<string> ClosedTransports);

/// <summary>What subscribers received of one kind (audio or an encoding) over the window.</summary>
/// <param name="Kind">audio, q, h or f.</param>
/// <param name="Legs">Legs of that media (audio or video).</param>
/// <param name="LegsReceiving">Legs that received packets of this kind.</param>
/// <param name="PerLegPerSecond">Packets per second per receiving leg.</param>
/// <param name="PublishedPerStreamPerSecond">What each publisher sent of this kind, per second.</param>
internal sealed record LayerResult(string Kind, int Legs, int LegsReceiving, double PerLegPerSecond, double PublishedPerStreamPerSecond);

/// <summary>Megabytes, and kilobytes per participant: client and SFU side together (both live in this process), and
/// the SFU's own heap per participant (<see cref="SfuHeapKbPerParticipant"/>, measured by closing the clients and
/// then removing the router's peers).</summary>
internal sealed record MemoryResult(double BaselineHeapMb, double BaselineWorkingSetMb, double ConnectedHeapMb, double ConnectedWorkingSetMb,
    double RunningHeapMb, double RunningWorkingSetMb, double HeapKbPerParticipantConnected, double WorkingSetKbPerParticipantConnected,
    double HeapKbPerParticipantRunning, double WorkingSetKbPerParticipantRunning)
{
    public double SfuHeapKbPerParticipant { get; init; } = double.NaN;
}

/// <summary>Managed allocations over the window: the whole process, and the sampled share of each thread group (the
/// measuring thread's samples left out).</summary>
/// <param name="TotalBytes">Every thread's allocations except the measuring thread's.</param>
/// <param name="MeasuringThreadBytes">The tool's own snapshots and progress lines, left out of the total.</param>
internal sealed record AllocationResult(long TotalBytes, long MeasuringThreadBytes, double BytesPerForwardedPacket, int Gen0Collections,
    int Gen2Collections, long SfuThreadSampledBytes, IReadOnlyList<AllocationSite> Sites);

/// <summary>GCAllocationTick samples of one type on one thread group (each sample stands for about 100 KB).</summary>
internal sealed record AllocationSite(string ThreadGroup, string Type, long Samples, long Bytes);
