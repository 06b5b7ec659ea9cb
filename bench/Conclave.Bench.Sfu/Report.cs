using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conclave.Media.Transport.Sdp;

namespace Conclave.Bench.Sfu;

/// <summary>Prints a <see cref="BenchResult"/> for people, or as JSON.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void WriteJson(Stream output, BenchResult result)
        => JsonSerializer.Serialize(output, result, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        });

    public static void WriteText(TextWriter o, BenchResult r)
    {
        MachineInfo m = r.Machine;
        o.WriteLine(r.Scenario == "room"
            ? $"scenario room: {r.Publishers} participants, each publishing audio + {MediaProfile.Encodings.Length} video encodings and receiving all the others"
            : $"scenario fanout: {r.Publishers} publishers (audio + {MediaProfile.Encodings.Length} video encodings), {r.Subscribers} subscribers receiving all their tracks");
        o.WriteLine($"command:  {r.Command}");
        o.WriteLine($"machine:  {m.LogicalCores} logical cores{(m.CpuModel is { } cpu ? ", " + cpu : "")}; {m.Os}; {m.Runtime}; {m.Build}, " +
            $"{(m.ServerGc ? "server" : "workstation")} GC; load average {F(m.LoadAverage, "0.0")} at start, {F(r.LoadAverageAtEnd, "0.0")} at end");
        o.WriteLine($"run:      connect {F(r.ConnectSeconds, "0.0")} s, warm-up {r.WarmupSeconds} s, measured {F(r.MeasuredSeconds, "0.0")} s; rate scale {F(r.RateScale, "0.##")}; " +
            $"SFU socket receive buffer {(r.SfuReceiveBuffer > 0 ? r.SfuReceiveBuffer.ToString("N0", Invariant) + " B asked" : $"OS default ({m.UdpReceiveBufferDefault:N0} B)")}, rmem_max {m.UdpReceiveBufferMax:N0} B");
        NegotiationSummary n = r.Negotiation;
        o.WriteLine($"answers:  simulcast {(n.SimulcastAccepted ? "accepted" : "NOT accepted")}; camera extensions kept: " +
            $"{string.Join(", ", n.CameraExtensions.Select(Short))}; {n.Legs} receiving legs, {n.RejectedSubscriptions} rejected");
        o.WriteLine($"          transport-cc (extension + rtcp-fb) answered on {n.TransportCcReceivingSections} of {n.ReceivingSections} receiving sections; " +
            $"on publishing sections {n.TransportCcPublishingSections} (not offered there)");
        o.WriteLine();

        TrafficResult t = r.Traffic;
        o.WriteLine("traffic (packets/s over the measured window)");
        Table(o, ["", "pkt/s"],
        [
            ["published", N(t.PublishedPerSecond)],
            ["  of which audio", N(t.PublishedAudioPerSecond)],
            ["  of which video", N(t.PublishedVideoPerSecond)],
            ["SFU received", N(t.SfuReceivedPerSecond)],
            ["SFU forwarded", N(t.SfuForwardedPerSecond)],
            ["subscribers received", N(t.SubscribersReceivedPerSecond)],
        ]);
        o.WriteLine($"  keyframes sent {t.Keyframes}, PLI/FIR received by publishers {t.KeyframeRequests}, send failures {t.SendFailures}, frames skipped {t.SkippedFrames}");
        o.WriteLine();

        o.WriteLine("received per kind (the payload tag tells the publisher's encoding; per leg that received any)");
        Table(o, ["kind", "legs", "receiving", "pkt/s per leg", "published pkt/s per stream"],
            [.. r.Layers.Select(l => new[] { l.Kind, l.Legs.ToString(Invariant), l.LegsReceiving.ToString(Invariant), F(l.PerLegPerSecond, "0.0"), F(l.PublishedPerStreamPerSecond, "0.0") })]);
        o.WriteLine();

        CpuResult c = r.Cpu;
        o.WriteLine("CPU over the measured window");
        o.WriteLine($"  SFU receive thread      {F(c.SfuThreadSeconds, "0.00")} s = {F(c.SfuThreadCoreShare * 100, "0.0")} % of one core");
        o.WriteLine($"  whole process           {F(c.ProcessSeconds, "0.00")} s = {F(c.ProcessCoreShare, "0.00")} cores of {m.LogicalCores}");
        o.WriteLine($"  rest of the machine     {F(c.OtherProcessesCoreShare, "0.00")} cores busy with other processes, {F(c.StealCoreShare, "0.00")} cores stolen by the hypervisor");
        o.WriteLine($"  forwarded per CPU second of the SFU thread: {N(c.ForwardedPerSfuCoreSecond)} pkt/s per core; per process CPU second: {N(c.ForwardedPerProcessCoreSecond)}");
        Table(o, ["thread group", "threads", "CPU s", "% of a core"],
            [.. c.Threads.Take(10).Select(g => new[] { g.Group, g.Threads.ToString(Invariant), F(g.CpuSeconds, "0.00"), F(g.CoreShare * 100, "0.0") })]);
        o.WriteLine();

        LatencyResult l = r.Latency;
        o.WriteLine("latency (µs; in-SFU from the SFU's histogram, end to end from the publisher's send to the subscriber's receive thread)");
        Table(o, ["", "count", "p50", "p90", "p99", "p99.9", "max"],
        [
            ["in SFU", l.SfuCount.ToString("N0", Invariant), F(l.SfuP50, "0.0"), F(l.SfuP90, "0.0"), F(l.SfuP99, "0.0"), F(l.SfuP999, "0.0"), F(l.SfuMax, "0.0")],
            ["end to end", l.EndToEndCount.ToString("N0", Invariant), F(l.EndToEndP50, "0.0"), "", F(l.EndToEndP99, "0.0"), "", ""],
        ]);
        o.WriteLine();

        LossResult x = r.Loss;
        o.WriteLine("loss over the measured window");
        o.WriteLine($"  SFU → subscribers: expected {x.Expected:N0}, received {x.Received:N0}, lost {x.Lost:N0} ({F(x.LostRatio * 100, "0.0000")} %: " +
            $"{x.LostOnAudioLegs:N0} on audio legs, {x.Lost - x.LostOnAudioLegs:N0} on video legs); kernel drops at the clients' sockets {x.KernelDropsAtClients:N0} (the tool's share)");
        o.WriteLine($"  where the gaps fall (by the packet after them): {string.Join(", ", x.LostBeforeKind.Select((n, k) => $"{PayloadTag.KindName(k)} {n:N0}"))}; " +
            $"at a layer switch {x.LostAtSwitch:N0}, before a keyframe's packet {x.LostBeforeKeyframe:N0}");
        o.WriteLine($"  publishers → SFU: kernel drops at the SFU's socket {x.KernelDropsAtSfu:N0}, listener drops {x.ListenerDrops:N0}; " +
            $"sent − counted by the SFU {x.PublishedNotReceived:N0} (with the packets in flight at the window's edges)");
        o.WriteLine($"  misrouted {x.Misrouted}, untagged {x.Untagged}, out of order {x.OutOfOrder}, unknown SSRC {x.UnknownSsrc}, " +
            $"listener send errors {x.ListenerSendErrors}, transports ended {x.ClosedTransports.Count}");
        o.WriteLine($"  SRTP/SRTCP rejected: by the clients {x.ClientSrtpRejected}, by the SFU {x.SfuSrtpRejected}; dropped by the clients' socket layer {x.ClientSocketDrops}");
        foreach (string closed in x.ClosedTransports) o.WriteLine($"    {closed}");
        o.WriteLine();

        BandwidthResult b = r.Bandwidth;
        o.WriteLine("bandwidth estimation (transport-cc: the subscribers' feedback over the window, the SFU's estimate of each leg at its end)");
        o.WriteLine($"  feedback sent by the subscribers {b.FeedbackPackets:N0} = {F(b.FeedbackPerSubscriberPerSecond, "0.0")}/s per subscriber; " +
            $"failed {b.FeedbackFailed:N0}; RTP received without a transport-wide sequence number {b.WithoutTransportSequence:N0}");
        Table(o, [$"over {b.Subscribers.Count} subscribers", "min", "median", "max"],
        [
            ["estimate kbps", F(b.EstimateBps.Min / 1000, "N0"), F(b.EstimateBps.Median / 1000, "N0"), F(b.EstimateBps.Max / 1000, "N0")],
            ["delay-based kbps", F(b.DelayBasedBps.Min / 1000, "N0"), F(b.DelayBasedBps.Median / 1000, "N0"), F(b.DelayBasedBps.Max / 1000, "N0")],
            ["loss ratio %", F(b.LossRatio.Min * 100, "0.00"), F(b.LossRatio.Median * 100, "0.00"), F(b.LossRatio.Max * 100, "0.00")],
        ]);
        o.WriteLine($"  over-use detector: normal {b.Normal}, overusing {b.Overusing}, underusing {b.Underusing}; " +
            $"estimates still at the start value ({b.StartBitrate / 1000:N0} kbps): {b.AtStartBitrate}");
        o.WriteLine();

        MemoryResult mem = r.Memory;
        o.WriteLine("memory (client and SFU side together: both live in this process)");
        o.WriteLine($"  managed heap MB: {F(mem.BaselineHeapMb, "0.0")} before participants, {F(mem.ConnectedHeapMb, "0.0")} connected, {F(mem.RunningHeapMb, "0.0")} after warm-up" +
            $" → {F(mem.HeapKbPerParticipantConnected, "0")} KB per participant connected, {F(mem.HeapKbPerParticipantRunning, "0")} KB with media");
        o.WriteLine($"  working set MB:  {F(mem.BaselineWorkingSetMb, "0.0")} before participants, {F(mem.ConnectedWorkingSetMb, "0.0")} connected, {F(mem.RunningWorkingSetMb, "0.0")} after warm-up" +
            $" → {F(mem.WorkingSetKbPerParticipantConnected, "0")} KB per participant connected, {F(mem.WorkingSetKbPerParticipantRunning, "0")} KB with media");
        o.WriteLine($"  the SFU's own heap (clients closed, then the router's peers removed): {F(mem.SfuHeapKbPerParticipant, "0")} KB per participant");
        o.WriteLine();

        AllocationResult a = r.Allocation;
        o.WriteLine("allocation over the measured window");
        o.WriteLine($"  process-wide {a.TotalBytes:N0} B = {F(a.BytesPerForwardedPacket, "0.00")} B per forwarded packet (the measuring thread's own " +
            $"{a.MeasuringThreadBytes:N0} B left out); gen0 collections {a.Gen0Collections}, gen2 {a.Gen2Collections}");
        o.WriteLine($"  SFU receive thread: {a.SfuThreadSampledBytes:N0} B in allocation samples (GCAllocationTick: about one per 100 KB, counted in " +
            "8 KB allocation quanta, so a thread that allocates a little now and then shows more than it allocates)");
        if (a.Sites.Count > 0)
        {
            Table(o, ["thread group", "type", "samples", "≈ bytes"],
                [.. a.Sites.Select(s => new[] { s.ThreadGroup, s.Type, s.Samples.ToString(Invariant), s.Bytes.ToString("N0", Invariant) })]);
        }
        o.WriteLine();

        o.WriteLine("issue targets (what this run can say about each)");
        foreach ((string target, string measured, string verdict) in Targets(r)) o.WriteLine($"  {target,-58} {measured,-40} {verdict}");
    }

    private static IEnumerable<(string Target, string Measured, string Verdict)> Targets(BenchResult r)
    {
        yield return ("≥ 150,000 forwarded pkt/s per core of SFU CPU", N(r.Cpu.ForwardedPerSfuCoreSecond) + " pkt/s per core",
            Verdict(r.Cpu.ForwardedPerSfuCoreSecond >= 150_000));
        yield return ("p99 in-SFU latency < 1 ms at half load", $"p99 {F(r.Latency.SfuP99, "0")} µs, SFU thread at {F(r.Cpu.SfuThreadCoreShare * 100, "0")} %",
            Verdict(r.Latency.SfuP99 < 1_000) + " (half load: see the fan-out run)");
        yield return ("no allocation per forwarded packet", $"SFU thread {r.Allocation.SfuThreadSampledBytes:N0} B sampled; process {F(r.Allocation.BytesPerForwardedPacket, "0.00")} B/pkt",
            Verdict(r.Allocation.SfuThreadSampledBytes == 0));
        double sfuLoss = r.Loss.Expected > 0 ? Math.Max(0, r.Loss.Lost - r.Loss.KernelDropsAtClients) / (double)r.Loss.Expected : 0;
        double inLoss = r.Traffic.PublishedPerSecond > 0 ? (r.Loss.KernelDropsAtSfu + r.Loss.ListenerDrops) / (r.Traffic.PublishedPerSecond * r.MeasuredSeconds) : 0;
        bool room = r.Scenario == "room" && r.Publishers >= 20 && r.MeasuredSeconds >= 59;
        yield return ("20-participant room, 60 s, < 0.1 % loss caused by the SFU", $"out {F(sfuLoss * 100, "0.000")} %, in {F(inLoss * 100, "0.000")} %",
            room ? Verdict(sfuLoss < 0.001 && inLoss < 0.001) : "n/a (not a 20-participant, 60 s room)");
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static string Short(string uri) => uri switch
    {
        RtpHeaderExtension.MidUri => "mid",
        RtpHeaderExtension.RtpStreamIdUri => "rtp-stream-id",
        RtpHeaderExtension.DependencyDescriptorUri => "dependency-descriptor",
        RtpHeaderExtension.AudioLevelUri => "audio-level",
        _ => uri,
    };

    private static void Table(TextWriter o, string[] header, IReadOnlyList<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(col => all.Max(row => row[col].Length))];
        foreach (string[] row in all)
            o.WriteLine("  " + string.Join("  ", row.Select((cell, col) => col == 0 ? cell.PadRight(widths[col]) : cell.PadLeft(widths[col]))).TrimEnd());
    }

    private static string N(double value) => double.IsFinite(value) ? value.ToString("N0", Invariant) : "-";

    private static string F(double value, string format) => double.IsFinite(value) ? value.ToString(format, Invariant) : "-";
}
