using System.Text.Json.Serialization;
using Conclave.Sfu.Bandwidth;

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
    BandwidthResult Bandwidth,
    IReadOnlyList<LayerResult> Layers,
    MemoryResult Memory,
    AllocationResult Allocation);

/// <summary>What the router's answers accepted of the wire contract.</summary>
/// <param name="SimulcastAccepted">The camera section's answer has <c>a=simulcast:recv q;h;f</c>.</param>
/// <param name="CameraExtensions">The extmap URIs the answer kept on the camera section.</param>
/// <param name="Legs">Receiving legs the answers announced (an <c>a=ssrc</c> each).</param>
/// <param name="RejectedSubscriptions">Receiving sections answered with port 0 or without an SSRC.</param>
/// <param name="ReceivingSections">Receiving sections answered with a port (the final answers).</param>
/// <param name="TransportCcReceivingSections">Of those, the ones answered with both the transport-wide sequence number
/// extension and <c>a=rtcp-fb:&lt;pt&gt; transport-cc</c> on their codec (draft-holmer-rmcat-transport-wide-cc-extensions-01 §4).</param>
/// <param name="TransportCcPublishingSections">Publishing sections answered with either (none offer it).</param>
internal sealed record NegotiationSummary(bool SimulcastAccepted, IReadOnlyList<string> CameraExtensions, int Legs, int RejectedSubscriptions,
    int ReceivingSections, int TransportCcReceivingSections, int TransportCcPublishingSections);

/// <summary>Transport-wide congestion control: the subscribers' feedback over the measured window and the SFU's
/// send-side estimate of each subscriber's leg at its end (<c>SubscriberBandwidthEstimator</c>).</summary>
/// <param name="FeedbackPackets">Transport-cc feedback packets the subscribers sent over the window.</param>
/// <param name="FeedbackPerSubscriberPerSecond">The same per subscriber and second (about 10 at the 100 ms interval).</param>
/// <param name="FeedbackFailed">Feedback packets that could not be written or sent.</param>
/// <param name="WithoutTransportSequence">RTP packets the subscribers received without a transport-wide sequence number.</param>
/// <param name="StartBitrate">The estimator's start value, bits per second.</param>
/// <param name="AtStartBitrate">Subscribers whose estimate still equals <paramref name="StartBitrate"/>.</param>
/// <param name="EstimateBps">The estimate, bits per second, over the subscribers.</param>
/// <param name="DelayBasedBps">The delay-based estimate (the maximum until the first overuse).</param>
/// <param name="LossRatio">The loss ratio of the latest judged sample (0 before the first).</param>
/// <param name="Normal">Subscribers whose over-use detector says normal.</param>
/// <param name="Overusing">… overusing.</param>
/// <param name="Underusing">… underusing.</param>
/// <param name="Subscribers">Each subscriber's values.</param>
internal sealed record BandwidthResult(long FeedbackPackets, double FeedbackPerSubscriberPerSecond, long FeedbackFailed, long WithoutTransportSequence,
    long StartBitrate, int AtStartBitrate, Spread EstimateBps, Spread DelayBasedBps, Spread LossRatio, int Normal, int Overusing, int Underusing,
    IReadOnlyList<SubscriberEstimate> Subscribers);

/// <summary>Minimum, median and maximum over subscribers (NaN without any).</summary>
internal sealed record Spread(double Min, double Median, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0) return new Spread(double.NaN, double.NaN, double.NaN);
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(sorted[0], median, sorted[^1]);
    }
}

/// <summary>The SFU's estimate of one subscriber's leg (<c>SfuPeer.Estimator</c>).</summary>
/// <param name="Participant">The subscriber.</param>
/// <param name="EstimateBps">Estimate: the minimum of the loss-based and delay-based estimates (and a REMB, ignored
/// once transport-cc feedback came).</param>
/// <param name="DelayBasedBps">Delay-based estimate.</param>
/// <param name="Usage">The over-use detector's latest signal.</param>
/// <param name="LossRatio">Loss ratio of the latest judged sample.</param>
internal sealed record SubscriberEstimate(string Participant, long EstimateBps, long DelayBasedBps,
    [property: JsonConverter(typeof(JsonStringEnumConverter<BandwidthUsage>))] BandwidthUsage Usage, double LossRatio);

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
