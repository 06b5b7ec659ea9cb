using System.Text.RegularExpressions;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Metrics;

namespace Conclave.Bench.Sfu;

/// <summary>Turns the snapshots at the start and end of the measured window into a <see cref="BenchResult"/>.</summary>
internal sealed class ResultBuilder(BenchOptions options, SfuHost host, IReadOnlyList<SimulatedParticipant> participants,
    IReadOnlyList<InboundLeg> legs, Snapshot start, Snapshot end)
{
    private readonly double _seconds = end.SecondsSince(start);
    private readonly int? _sfuThread = end.Cpu.Find(host.ReceiveThreadName);
    private readonly int? _measuringThread = end.Cpu.Find(LoadRun.MeasuringThreadName);

    public BenchResult Build(MachineInfo machine, NegotiationSummary negotiation, double connectSeconds, MemoryResult memory,
        LatencyHistogram sfuLatency, LatencyHistogram endToEnd, IReadOnlyList<(int Thread, string Type, long Samples, long Bytes)> samples)
    {
        long forwarded = end.SfuForwarded - start.SfuForwarded;
        return new BenchResult(
            "Conclave.Bench.Sfu " + string.Join(' ', options.Arguments),
            machine,
            MachineInfo.Current().LoadAverage,
            options.Scenario.ToString().ToLowerInvariant(),
            participants.Count(p => p.Streams.Count > 0),
            participants.Count(p => p.Legs.Count > 0),
            options.RateScale,
            options.SfuReceiveBuffer,
            connectSeconds,
            options.WarmupSeconds,
            _seconds,
            negotiation,
            Traffic(forwarded),
            Cpu(forwarded),
            Latency(sfuLatency, endToEnd),
            Loss(),
            Bandwidth(),
            [.. Enumerable.Range(0, PayloadTag.KindCount).Select(Layer)],
            memory,
            Allocation(forwarded, samples));
    }

    private long Sent(int kind) => end.SentByKind[kind] - start.SentByKind[kind];

    private TrafficResult Traffic(long forwarded)
    {
        long video = Enumerable.Range(1, PayloadTag.KindCount - 1).Sum(Sent);
        return new TrafficResult(
            (Sent(PayloadTag.Audio) + video) / _seconds,
            Sent(PayloadTag.Audio) / _seconds,
            video / _seconds,
            (end.SfuReceived - start.SfuReceived) / _seconds,
            forwarded / _seconds,
            (end.LegReceived.Sum() - start.LegReceived.Sum()) / _seconds,
            end.Keyframes - start.Keyframes,
            end.KeyframeRequests - start.KeyframeRequests,
            end.SendFailures - start.SendFailures,
            end.SkippedFrames - start.SkippedFrames);
    }

    private CpuResult Cpu(long forwarded)
    {
        double sfu = _sfuThread is int tid ? end.Cpu.CpuSecondsSince(start.Cpu, tid) : double.NaN;
        double process = (end.Cpu.ProcessCpu - start.Cpu.ProcessCpu).TotalSeconds;
        double machine = (double)(end.Cpu.MachineBusyTicks - start.Cpu.MachineBusyTicks) / ThreadCpuSnapshot.ClockTicksPerSecond;
        double steal = (double)(end.Cpu.MachineStealTicks - start.Cpu.MachineStealTicks) / ThreadCpuSnapshot.ClockTicksPerSecond;
        return new CpuResult(sfu, sfu / _seconds, process, process / _seconds, Math.Max(0, machine - process) / _seconds, steal / _seconds,
            forwarded / sfu, forwarded / process,
            [.. end.Cpu.GroupsSince(start.Cpu).Where(g => g.CpuSeconds > 0)
                .Select(g => new ThreadGroupResult(g.Group, g.Threads, g.CpuSeconds, g.CpuSeconds / _seconds))]);
    }

    private static LatencyResult Latency(LatencyHistogram sfu, LatencyHistogram endToEnd)
    {
        static double Us(LatencyHistogram h, double p) => h.GetPercentile(p).TotalMicroseconds;
        return new LatencyResult(sfu.Count, Us(sfu, 50), Us(sfu, 90), Us(sfu, 99), Us(sfu, 99.9), Us(sfu, 100),
            endToEnd.Count, Us(endToEnd, 50), Us(endToEnd, 99));
    }

    private LossResult Loss()
    {
        long expected = end.LegExpected.Sum() - start.LegExpected.Sum();
        long received = end.LegReceived.Sum() - start.LegReceived.Sum();
        long published = Enumerable.Range(0, PayloadTag.KindCount).Sum(Sent);
        long lostOnAudio = 0;
        for (int i = 0; i < legs.Count; i++)
        {
            if (legs[i].IsAudio) lostOnAudio += end.LegExpected[i] - start.LegExpected[i] - (end.LegReceived[i] - start.LegReceived[i]);
        }
        return new LossResult(
            expected,
            received,
            expected - received,
            lostOnAudio,
            [.. Enumerable.Range(0, PayloadTag.KindCount).Select(k => end.LostBeforeKind[k] - start.LostBeforeKind[k])],
            end.LostAtSwitch - start.LostAtSwitch,
            end.LostBeforeKeyframe - start.LostBeforeKeyframe,
            expected > 0 ? (double)(expected - received) / expected : 0,
            UdpSocketDrops.Since(start.KernelDrops, end.KernelDrops, [host.Listener.LocalPort]),
            UdpSocketDrops.Since(start.KernelDrops, end.KernelDrops, participants.Select(p => p.Connection.Udp.LocalEndPoint.Port)),
            published - (end.SfuReceived - start.SfuReceived),
            end.Misrouted - start.Misrouted,
            end.Untagged - start.Untagged,
            end.OutOfOrder - start.OutOfOrder,
            end.UnknownPackets - start.UnknownPackets,
            end.ListenerDrops - start.ListenerDrops,
            end.ListenerSendErrors - start.ListenerSendErrors,
            end.ClientSrtpRejected - start.ClientSrtpRejected,
            end.ClientSocketDrops - start.ClientSocketDrops,
            end.SfuSrtpRejected - start.SfuSrtpRejected,
            [.. participants.Where(p => p.Closed is not null).Select(p => $"{p.Id}: {p.Closed}")]);
    }

    private BandwidthResult Bandwidth()
    {
        IReadOnlyList<SubscriberEstimate> estimates = end.Estimates;
        long startBitrate = new SubscriberBandwidthEstimatorOptions().StartBitrate;
        long feedback = end.TransportCcFeedbackSent - start.TransportCcFeedbackSent;
        int subscribers = participants.Count(p => p.Legs.Count > 0);
        return new BandwidthResult(
            feedback,
            subscribers > 0 ? feedback / _seconds / subscribers : 0,
            end.TransportCcFeedbackFailed - start.TransportCcFeedbackFailed,
            end.WithoutTransportSequence - start.WithoutTransportSequence,
            startBitrate,
            estimates.Count(e => e.EstimateBps == startBitrate),
            Spread.Of(estimates.Select(e => (double)e.EstimateBps)),
            Spread.Of(estimates.Select(e => (double)e.DelayBasedBps)),
            Spread.Of(estimates.Select(e => e.LossRatio)),
            estimates.Count(e => e.Usage == BandwidthUsage.Normal),
            estimates.Count(e => e.Usage == BandwidthUsage.Overusing),
            estimates.Count(e => e.Usage == BandwidthUsage.Underusing),
            estimates);
    }

    private LayerResult Layer(int kind)
    {
        bool audio = kind == PayloadTag.Audio;
        int legCount = 0, receiving = 0;
        long packets = 0;
        for (int i = 0; i < legs.Count; i++)
        {
            if (legs[i].IsAudio != audio) continue;
            legCount++;
            long delta = end.LegByKind[i][kind] - start.LegByKind[i][kind];
            if (delta > 0) receiving++;
            packets += delta;
        }
        int publishers = participants.Count(p => p.Streams.Count > 0);
        return new LayerResult(PayloadTag.KindName(kind), legCount, receiving, receiving > 0 ? packets / _seconds / receiving : 0,
            Sent(kind) / _seconds / Math.Max(1, publishers));
    }

    private AllocationResult Allocation(long forwarded, IReadOnlyList<(int Thread, string Type, long Samples, long Bytes)> samples)
    {
        long own = end.MeasuringThreadAllocatedBytes - start.MeasuringThreadAllocatedBytes;
        long total = end.AllocatedBytes - start.AllocatedBytes - own;
        string GroupOf(int thread) => end.Cpu.Threads.TryGetValue(thread, out var t) || start.Cpu.Threads.TryGetValue(thread, out t)
            ? new string([.. t.Name.Where(c => !char.IsAsciiDigit(c))])
            : $"thread {thread} (ended)";
        return new AllocationResult(
            total,
            own,
            forwarded > 0 ? (double)total / forwarded : double.NaN,
            end.Gen0Collections - start.Gen0Collections,
            end.Gen2Collections - start.Gen2Collections,
            samples.Where(s => s.Thread == _sfuThread).Sum(s => s.Bytes),
            [.. samples.Where(s => s.Thread != _measuringThread).GroupBy(s => (Group: GroupOf(s.Thread), Type: ShortTypeName(s.Type)))
                .Select(g => new AllocationSite(g.Key.Group, g.Key.Type, g.Sum(s => s.Samples), g.Sum(s => s.Bytes)))
                .OrderByDescending(s => s.Bytes).Take(12)]);
    }

    // "System.Collections.ObjectModel.ReadOnlyCollection`1[Conclave.Sfu.Routing.Consumer]" → "ReadOnlyCollection`1[Consumer]".
    private static string ShortTypeName(string type) => Regex.Replace(type, @"[A-Za-z0-9_]+\.", "");
}
