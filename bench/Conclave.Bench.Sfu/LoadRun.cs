using System.Diagnostics;
using System.Globalization;
using Conclave.Sfu.Metrics;
using Conclave.Sfu.Routing;

namespace Conclave.Bench.Sfu;

/// <summary>A failure that ends the run with a one-line message (exit code 1).</summary>
internal sealed class BenchException(string message) : Exception(message);

/// <summary>One run: host the SFU, create and negotiate the participants, connect them, send media through a warm-up
/// and a measured window, and turn the counters into a <see cref="BenchResult"/>.</summary>
internal sealed class LoadRun(BenchOptions options, TextWriter progress)
{
    private const string Room = "bench-room";

    /// <summary>The thread that runs the warm-up and the measured window and takes every snapshot.</summary>
    public const string MeasuringThreadName = "bench-measure";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        MachineInfo machine = MachineInfo.Current();
        using var sampler = new AllocationSampler();
        using var host = new SfuHost(options.SfuReceiveBuffer);
        Router router = host.CreateRouter(Room);
        MemorySample baseline = MemorySample.Take();

        List<SimulatedParticipant> participants = CreateParticipants();
        try
        {
            var endToEnd = new LatencyHistogram();
            long connectStart = Stopwatch.GetTimestamp();
            var setup = new CallSetup(options, router, participants);
            (NegotiationSummary negotiation, Dictionary<SimulatedParticipant, string> answers) = setup.Negotiate(endToEnd);
            await setup.ConnectAsync(answers, cancellationToken).ConfigureAwait(false);
            double connectSeconds = Stopwatch.GetElapsedTime(connectStart).TotalSeconds;
            progress.WriteLine($"connected {participants.Count} participants in {connectSeconds:0.0} s; {negotiation.Legs} receiving legs");
            MemorySample connected = MemorySample.Take();

            Measured measured = await OnThread(MeasuringThreadName, () => Measure(host, participants, endToEnd, sampler, cancellationToken))
                .ConfigureAwait(false);
            BenchResult result = measured.Builder.Build(machine, negotiation, connectSeconds,
                MemorySample.Compare(baseline, connected, measured.Running, participants.Count), host.Endpoint.Statistics.Latency, endToEnd, sampler.Samples);
            answers.Clear();
            return result with { Memory = result.Memory with { SfuHeapKbPerParticipant = SfuHeapPerParticipant(router, participants) } };
        }
        finally
        {
            foreach (SimulatedParticipant participant in participants) participant.Dispose();
        }
    }

    /// <summary>The media part of the run, on the measuring thread (<see cref="MeasuringThreadName"/>): the pump and the
    /// receiver reports start, the warm-up runs, memory is sampled, then the measured window.</summary>
    private Measured Measure(SfuHost host, List<SimulatedParticipant> participants, LatencyHistogram endToEnd, AllocationSampler sampler,
        CancellationToken cancellationToken)
    {
        List<InboundLeg> legs = [.. participants.SelectMany(p => p.Legs)];
        using var pump = new MediaPump(participants.Where(p => p.Streams.Count > 0));
        using var reports = new ReceiverReportClock(participants);
        pump.Start();
        reports.Start();
        RunPhase("warm-up", options.WarmupSeconds, host, participants, legs, cancellationToken);
        MemorySample running = MemorySample.Take();

        host.Endpoint.Statistics.Reset();
        endToEnd.Reset();
        sampler.IsSampling = true;
        Snapshot start = Snapshot.Take(host, participants, legs);
        RunPhase("measured", options.Seconds, host, participants, legs, cancellationToken);
        Snapshot end = Snapshot.Take(host, participants, legs);
        sampler.IsSampling = false;
        return new Measured(running, new ResultBuilder(options, host, participants, legs, start, end));
    }

    /// <summary>What <see cref="Measure"/> leaves for the result: the memory after the warm-up and the window's counters.</summary>
    private sealed record Measured(MemorySample Running, ResultBuilder Builder);

    private static Task<T> OnThread<T>(string name, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
#pragma warning disable CA1031 // Whatever ends the measurement is handed to the awaiting caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    /// <summary>The SFU's own share of the heap: the clients are closed and forgotten (their transports end, the
    /// router keeps its peers), then the router's peers go; the difference, per participant.</summary>
    private static double SfuHeapPerParticipant(Router router, List<SimulatedParticipant> participants)
    {
        int count = participants.Count;
        foreach (SimulatedParticipant participant in participants) participant.Dispose();
        participants.Clear();
        MemorySample withPeers = MemorySample.Take();
        router.Dispose();
        MemorySample withoutPeers = MemorySample.Take();
        return (withPeers.HeapBytes - withoutPeers.HeapBytes) / 1024.0 / count;
    }

    private List<SimulatedParticipant> CreateParticipants()
    {
        if (options.Scenario == Scenario.Room)
        {
            return [.. Enumerable.Range(0, options.Participants)
                .Select(i => new SimulatedParticipant("p" + i.ToString("00", CultureInfo.InvariantCulture), i, publishes: true, options))];
        }
        return [.. Enumerable.Range(0, options.Publishers)
                .Select(i => new SimulatedParticipant("pub" + i.ToString("00", CultureInfo.InvariantCulture), i, publishes: true, options)),
            .. Enumerable.Range(0, options.Subscribers)
                .Select(i => new SimulatedParticipant("sub" + i.ToString("000", CultureInfo.InvariantCulture), options.Publishers + i, publishes: false, options))];
    }

    /// <summary>Lets media flow for <paramref name="seconds"/>, printing rates every 5 s; fails if a transport ends.</summary>
    private void RunPhase(string phase, int seconds, SfuHost host, List<SimulatedParticipant> participants, List<InboundLeg> legs,
        CancellationToken cancellationToken)
    {
        long phaseStart = Stopwatch.GetTimestamp();
        Snapshot previous = Snapshot.Take(host, participants, legs);
        int? sfuThread = previous.Cpu.Find(host.ReceiveThreadName);
        while (Stopwatch.GetElapsedTime(phaseStart).TotalSeconds < seconds)
        {
            TimeSpan left = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(phaseStart);
            cancellationToken.WaitHandle.WaitOne(left < ProgressInterval ? left : ProgressInterval);
            cancellationToken.ThrowIfCancellationRequested();
            if (participants.FirstOrDefault(p => p.Closed is not null) is { } closed)
                throw new BenchException($"the transport of {closed.Id} ended during the {phase} phase: {closed.Closed}");
            Snapshot now = Snapshot.Take(host, participants, legs);
            double dt = now.SecondsSince(previous);
            long expected = now.LegExpected.Sum() - previous.LegExpected.Sum();
            long lost = expected - (now.LegReceived.Sum() - previous.LegReceived.Sum());
            double sfuCpu = sfuThread is int tid ? now.Cpu.CpuSecondsSince(previous.Cpu, tid) / dt : double.NaN;
            double process = (now.Cpu.ProcessCpu - previous.Cpu.ProcessCpu).TotalSeconds / dt;
            double others = (double)(now.Cpu.MachineBusyTicks - previous.Cpu.MachineBusyTicks) / ThreadCpuSnapshot.ClockTicksPerSecond / dt - process;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{phase} {Stopwatch.GetElapsedTime(phaseStart).TotalSeconds,5:0} s] SFU in {(now.SfuReceived - previous.SfuReceived) / dt,8:N0} pkt/s, " +
                $"out {(now.SfuForwarded - previous.SfuForwarded) / dt,9:N0} pkt/s; SFU thread {sfuCpu * 100,4:0} % of a core, " +
                $"process {process * 100,4:0} %, other processes {Math.Max(0, others) * 100,4:0} %; loss {(expected > 0 ? 100.0 * lost / expected : 0),6:0.000} %; " +
                $"transport-cc {(now.TransportCcFeedbackSent - previous.TransportCcFeedbackSent) / dt,6:N0} fb/s, " +
                $"estimate median {Spread.Of(now.Estimates.Select(e => (double)e.EstimateBps)).Median / 1000,6:N0} kbps"));
            previous = now;
        }
    }
}
