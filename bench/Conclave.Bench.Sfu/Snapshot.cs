using System.Diagnostics;

namespace Conclave.Bench.Sfu;

/// <summary>Every counter the report needs, read at one moment: a measured window is the difference of two.
/// Reading allocates (on the measuring thread, whose allocations the report takes out).</summary>
internal sealed class Snapshot
{
    private Snapshot()
    {
    }

    public long Timestamp { get; private init; }
    public required ThreadCpuSnapshot Cpu { get; init; }
    public long AllocatedBytes { get; private init; }

    /// <summary>What the thread taking the snapshots allocated so far, read next to <see cref="AllocatedBytes"/>: the
    /// measuring thread's own allocations (snapshots, progress lines) are taken out of the window's total.</summary>
    public long MeasuringThreadAllocatedBytes { get; private init; }
    public int Gen0Collections { get; private init; }
    public int Gen2Collections { get; private init; }
    public long SfuReceived { get; private init; }
    public long SfuForwarded { get; private init; }
    public long ListenerDrops { get; private init; }
    public long ListenerSendErrors { get; private init; }
    public required long[] SentByKind { get; init; }
    public long SendFailures { get; private init; }
    public long SkippedFrames { get; private init; }
    public long Keyframes { get; private init; }
    public long KeyframeRequests { get; private init; }
    public required long[] LegExpected { get; init; }
    public required long[] LegReceived { get; init; }
    public required long[][] LegByKind { get; init; }
    public required long[] LostBeforeKind { get; init; }
    public long LostAtSwitch { get; private init; }
    public long LostBeforeKeyframe { get; private init; }
    public long Misrouted { get; private init; }
    public long Untagged { get; private init; }
    public long OutOfOrder { get; private init; }
    public long UnknownPackets { get; private init; }
    public long ClientSrtpRejected { get; private init; }
    public long ClientSocketDrops { get; private init; }
    public long SfuSrtpRejected { get; private init; }
    public required IReadOnlyDictionary<int, long> KernelDrops { get; init; }
    public long TransportCcFeedbackSent { get; private init; }
    public long TransportCcFeedbackFailed { get; private init; }
    public long WithoutTransportSequence { get; private init; }

    /// <summary>The SFU's estimate of every receiving participant's leg.</summary>
    public required IReadOnlyList<SubscriberEstimate> Estimates { get; init; }

    public static Snapshot Take(SfuHost host, IReadOnlyList<SimulatedParticipant> participants, IReadOnlyList<InboundLeg> legs)
    {
        var streams = participants.SelectMany(p => p.Streams).ToList();
        long[] sent = new long[PayloadTag.KindCount];
        foreach (OutboundStream stream in streams) sent[stream.Kind] += stream.PacketsSent;
        return new Snapshot
        {
            Timestamp = Stopwatch.GetTimestamp(),
            Cpu = ThreadCpuSnapshot.Take(),
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true),
            MeasuringThreadAllocatedBytes = GC.GetAllocatedBytesForCurrentThread(),
            Gen0Collections = GC.CollectionCount(0),
            Gen2Collections = GC.CollectionCount(2),
            SfuReceived = host.Endpoint.Statistics.PacketsReceived,
            SfuForwarded = host.Endpoint.Statistics.PacketsForwarded,
            ListenerDrops = host.Listener.Counters.TotalDropped,
            ListenerSendErrors = host.Listener.Counters.SendErrors,
            SentByKind = sent,
            SendFailures = streams.Sum(s => s.SendFailures),
            SkippedFrames = streams.Sum(s => s.SkippedFrames),
            Keyframes = streams.Sum(s => s.KeyframesSent),
            KeyframeRequests = streams.Sum(s => s.KeyframeRequests),
            LegExpected = [.. legs.Select(l => l.Expected)],
            LegReceived = [.. legs.Select(l => l.Received)],
            LegByKind = [.. legs.Select(l => Enumerable.Range(0, PayloadTag.KindCount).Select(l.ReceivedOfKind).ToArray())],
            LostBeforeKind = [.. Enumerable.Range(0, PayloadTag.KindCount).Select(k => legs.Sum(l => l.LostBeforeKind(k)))],
            LostAtSwitch = legs.Sum(l => l.LostAtSwitch),
            LostBeforeKeyframe = legs.Sum(l => l.LostBeforeKeyframe),
            Misrouted = legs.Sum(l => l.Misrouted),
            Untagged = legs.Sum(l => l.Untagged),
            OutOfOrder = legs.Sum(l => l.OutOfOrder),
            UnknownPackets = participants.Sum(p => p.UnknownPackets),
            ClientSrtpRejected = participants.Sum(p => p.Connection.Transport.Counters.Rejected),
            ClientSocketDrops = participants.Sum(p => p.Connection.Udp.Counters.TotalDropped),
            SfuSrtpRejected = host.SrtpRejected(participants.Select(p => p.Id)),
            KernelDrops = UdpSocketDrops.Read(),
            TransportCcFeedbackSent = participants.Sum(p => p.TransportCcFeedbackSent),
            TransportCcFeedbackFailed = participants.Sum(p => p.TransportCcFeedbackFailed),
            WithoutTransportSequence = participants.Sum(p => p.WithoutTransportSequence),
            Estimates = [.. participants.Where(p => p.Legs.Count > 0).Select(p => host.Estimate(p.Id)).OfType<SubscriberEstimate>()],
        };
    }

    /// <summary>Seconds from <paramref name="before"/> to this snapshot.</summary>
    public double SecondsSince(Snapshot before) => (double)(Timestamp - before.Timestamp) / Stopwatch.Frequency;
}
