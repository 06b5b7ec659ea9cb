using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Bench.E2eeCall;

/// <summary>The benchmark failed for a reason worth one line.</summary>
internal sealed class BenchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One membership change: how long until everyone sent with the new epoch, and the key messages it took.</summary>
/// <param name="Kind"><c>member-leave</c>, <c>leader-leave</c> or <c>join</c>.</param>
/// <param name="Ms">From <c>leave</c> sent (a leave) or <c>joined</c> read by the newcomer (a join) to the last participant's switch.</param>
/// <param name="FromJoinSentMs">A join: from <c>join</c> sent instead.</param>
/// <param name="FirstSwitchMs">From the same start to the first participant's switch.</param>
/// <param name="Requests">e2ee-send requests made by all clients (CallKeys.Messages.Sends).</param>
/// <param name="Messages">Messages in those requests (CallKeys.Messages.Wraps: wrapped keys and notes).</param>
/// <param name="Received">e2ee events delivered to and handled by all clients (CallKeys.Messages.Received).</param>
/// <param name="ServerDelivered">Entries the server says it handed to a recipient's connection (e2ee-sent.delivered).</param>
/// <param name="FailedRequests">e2ee-send requests that failed (refused, rate-limited, timed out).</param>
/// <param name="CpuMs">CPU time of this process (server and every client, when the server runs in it) from the change's
/// start until everyone switched.</param>
internal sealed record ChangeSample(string Kind, int Before, int After, long Epoch, double Ms, double? FromJoinSentMs, double FirstSwitchMs,
    long Requests, long Messages, long Received, long ServerDelivered, long FailedRequests, double CpuMs);

/// <summary>Everything a rotation run measured.</summary>
internal sealed record RotationResult(string Server, string Room, string Wraps, DateTimeOffset StartedAt, double SetupSeconds, double MeasuredSeconds,
    IReadOnlyList<ChangeSample> Samples, IReadOnlyList<string> Failures, IReadOnlyList<OperationCost> CryptoCosts, double? LoadBefore, double? LoadAfter);

/// <summary>
/// Fills a call to N participants (each join settled: everyone on one epoch), then runs warm-up and measured cycles of
/// four changes: a member leaves, a newcomer joins, the leader leaves, a newcomer joins. Changes run one at a time with
/// a pause between them; nothing else happens in the call meanwhile but heartbeats.
/// </summary>
internal sealed class RotationBench(BenchOptions options, TextWriter progress)
{
    /// <summary>Longest wait for a change to complete before the run fails.</summary>
    private static readonly TimeSpan ChangeDeadline = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _epochChanged = new(0);
    private readonly List<Participant> _everyone = [];               // every participant made: the counters of all
    private readonly List<Participant> _inCall = [];
    private readonly Queue<Participant> _waiting = new();
    private readonly List<ChangeSample> _samples = [];
    private Uri _server = null!;
    private string _room = null!;

    public async Task<RotationResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        long setupStart = Stopwatch.GetTimestamp();
        double? loadBefore = MachineInfo.ReadLoadAverage();
        progress.WriteLine("timing the key protocol's public-key operations (1 s each, one thread)…");
        IReadOnlyList<OperationCost> costs = KeyCryptoCosts.Measure(TimeSpan.FromSeconds(1));
        InProcessServer? local = null;
        try
        {
            string token;
            if (options.Server is { } server)
            {
                _server = server;
                token = options.Token!;
            }
            else
            {
                progress.WriteLine("starting the server in this process (loopback, fresh data directory)…");
                local = await InProcessServer.StartAsync(cancellationToken).ConfigureAwait(false);
                _server = local.BaseAddress;
                token = local.AdminToken;
            }

            _room = string.Create(CultureInfo.InvariantCulture,
                $"bench-keys-{startedAt:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
            int n = options.Participants;
            int cycles = options.WarmupCycles + options.Cycles;
            int users = n + 2 * cycles;
            int registeredKeys = 0;
            using (ConclaveApiClient admin = ConclaveApiClient.Create(_server, token))
            using (ConclaveApiClient anonymous = ConclaveApiClient.Create(_server))
            {
                await admin.CreateRoomAsync(new CreateRoomRequest(_room), cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"room {_room} on {_server}; {users} users, each with a device identity and its public keys registered (not timed)…");
                for (int i = 0; i < users; i++)
                {
                    string name = i < n ? $"member {i + 1}" : $"newcomer {i - n + 1}";
                    InvitationDto invitation = await admin.CreateInvitationAsync(_room, new CreateInvitationRequest(name), cancellationToken).ConfigureAwait(false);
                    RedeemResponse redeemed = await anonymous.RedeemInvitationAsync(invitation.Code, cancellationToken).ConfigureAwait(false);
                    var participant = new Participant(name, redeemed.Token, options.X25519Only, () => _epochChanged.Release());
                    _everyone.Add(participant);
                    _waiting.Enqueue(participant);
                    byte[] registered = DevicePublicKeys.Of(participant.Identity).ToBytes();
                    registeredKeys = registered.Length;
                    using ConclaveApiClient device = ConclaveApiClient.Create(_server, redeemed.Token);
                    await device.SetDeviceKeysAsync(new DeviceKeysRequest(registered), cancellationToken).ConfigureAwait(false);
                }
            }

            for (int i = 0; i < n; i++) await JoinAsync(record: false, cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"{n} participants in the call, all sending with epoch {_inCall[0].Sending.Epoch}.");
            string wraps = registeredKeys == 1 + 32 + 32
                ? "DHKEM(X25519): every device has an identity without X-Wing and registered version-1 public keys (65 bytes)"
                : $"as CallKeys picks for the {registeredKeys}-byte public keys every device registered (HPKE-X-Wing where they name an X-Wing key)";

            double setupSeconds = Stopwatch.GetElapsedTime(setupStart).TotalSeconds;
            long measuredStart = Stopwatch.GetTimestamp();
            for (int c = 0; c < cycles; c++)
            {
                bool record = c >= options.WarmupCycles;
                List<Participant> byAge = [.. _inCall.OrderBy(p => p.JoinVersion).ThenBy(p => p.SessionId, StringComparer.Ordinal)];
                await LeaveAsync("member-leave", byAge[byAge.Count / 2], record, cancellationToken).ConfigureAwait(false);
                await JoinAsync(record, cancellationToken).ConfigureAwait(false);
                Participant leader = _inCall.OrderBy(p => p.JoinVersion).ThenBy(p => p.SessionId, StringComparer.Ordinal).First();
                await LeaveAsync("leader-leave", leader, record, cancellationToken).ConfigureAwait(false);
                await JoinAsync(record, cancellationToken).ConfigureAwait(false);
                if (c + 1 == options.WarmupCycles) progress.WriteLine($"warm-up done ({options.WarmupCycles} cycles).");
                else if (record) progress.WriteLine($"cycle {c + 1 - options.WarmupCycles}/{options.Cycles} measured");
            }
            double measuredSeconds = Stopwatch.GetElapsedTime(measuredStart).TotalSeconds;

            List<string> failures = [.. _everyone.Select(p => p.Failure).OfType<string>()];
            return new RotationResult(_server.ToString(), _room, wraps, startedAt, setupSeconds, measuredSeconds, _samples, failures, costs,
                loadBefore, MachineInfo.ReadLoadAverage());
        }
        finally
        {
            foreach (Participant participant in _everyone) await participant.DisposeAsync().ConfigureAwait(false);
            if (local is not null) await local.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task LeaveAsync(string kind, Participant leaver, bool record, CancellationToken cancellationToken)
    {
        List<Participant> remaining = [.. _inCall.Where(p => p != leaver)];
        Dictionary<Participant, long> before = remaining.ToDictionary(p => p, p => p.Sending.Epoch);
        Totals start = Totals.Of(_everyone);
        TimeSpan cpuStart = Environment.CpuUsage.TotalTime;
        long sent = await leaver.LeaveAsync(cancellationToken).ConfigureAwait(false);
        _inCall.Remove(leaver);
        (long epoch, long first, long last) = await WaitForSwitchAsync(remaining, before, $"{kind} of {leaver.Name}", cancellationToken).ConfigureAwait(false);
        double cpuMs = (Environment.CpuUsage.TotalTime - cpuStart).TotalMilliseconds;
        Totals delta = await SettleAsync(cancellationToken).ConfigureAwait(false) - start;
        if (record)
        {
            _samples.Add(new ChangeSample(kind, remaining.Count + 1, remaining.Count, epoch, Ms(sent, last), null, Ms(sent, first),
                delta.Sends, delta.Wraps, delta.Received, delta.ServerDelivered, delta.Failed, cpuMs));
        }
        await leaver.DisposeAsync().ConfigureAwait(false);
        await Task.Delay(options.GapMs, cancellationToken).ConfigureAwait(false);
    }

    private async Task JoinAsync(bool record, CancellationToken cancellationToken)
    {
        Participant newcomer = _waiting.Dequeue();
        await newcomer.ConnectAsync(_server, cancellationToken).ConfigureAwait(false);
        List<Participant> everyone = [.. _inCall, newcomer];
        Dictionary<Participant, long> before = _inCall.ToDictionary(p => p, p => p.Sending.Epoch);
        Totals start = Totals.Of(_everyone);
        TimeSpan cpuStart = Environment.CpuUsage.TotalTime;
        (long joinSent, long joined) = await newcomer.JoinAsync(_room, cancellationToken).ConfigureAwait(false);
        _inCall.Add(newcomer);
        (long epoch, long first, long last) = await WaitForSwitchAsync(everyone, before, $"join of {newcomer.Name}", cancellationToken).ConfigureAwait(false);
        double cpuMs = (Environment.CpuUsage.TotalTime - cpuStart).TotalMilliseconds;
        Totals delta = await SettleAsync(cancellationToken).ConfigureAwait(false) - start;
        if (record)
        {
            _samples.Add(new ChangeSample("join", everyone.Count - 1, everyone.Count, epoch, Ms(joined, last), Ms(joinSent, last), Ms(joined, first),
                delta.Sends, delta.Wraps, delta.Received, delta.ServerDelivered, delta.Failed, cpuMs));
        }
        await Task.Delay(options.GapMs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every one of <paramref name="participants"/> sends with one epoch, newer than its epoch in
    /// <paramref name="before"/> (any epoch for one not there). Returns that epoch and the first and last switch.</summary>
    private async Task<(long Epoch, long First, long Last)> WaitForSwitchAsync(List<Participant> participants, Dictionary<Participant, long> before,
        string change, CancellationToken cancellationToken)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(ChangeDeadline.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            long? epoch = null;
            long first = long.MaxValue, last = long.MinValue;
            bool done = true;
            foreach (Participant p in participants)
            {
                (long e, long at) = p.Sending;
                if (e < 0 || (before.TryGetValue(p, out long old) && e <= old) || (epoch is { } common && e != common))
                {
                    done = false;
                    break;
                }
                epoch = e;
                first = Math.Min(first, at);
                last = Math.Max(last, at);
            }
            if (done) return (epoch!.Value, first, last);

            TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                string states = string.Join(", ", participants.Select(p =>
                    $"{p.Name} {p.Sending.Epoch}{(before.TryGetValue(p, out long b) ? $" (was {b})" : "")}"));
                string failure = participants.Select(p => p.Failure).OfType<string>().FirstOrDefault() ?? "none";
                throw new BenchException($"the {change} did not complete within {ChangeDeadline.TotalSeconds:0} s: sending epochs {states}; first key-queue error: {failure}");
            }
            await _epochChanged.WaitAsync(left, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The counters once they stopped moving (150 ms unchanged, at most 5 s): late acks and events included.</summary>
    private async Task<Totals> SettleAsync(CancellationToken cancellationToken)
    {
        Totals totals = Totals.Of(_everyone);
        long until = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
        for (int stable = 0; stable < 3 && Stopwatch.GetTimestamp() < until;)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            Totals now = Totals.Of(_everyone);
            stable = now == totals ? stable + 1 : 0;
            totals = now;
        }
        return totals;
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private readonly record struct Totals(long Sends, long Wraps, long Received, long ServerDelivered, long Failed)
    {
        public static Totals Of(IEnumerable<Participant> participants)
        {
            long sends = 0, wraps = 0, received = 0, delivered = 0, failed = 0;
            foreach (Participant p in participants)
            {
                var messages = p.Keys.Messages;
                var transport = p.Transport;
                sends += messages.Sends;
                wraps += messages.Wraps;
                received += messages.Received;
                delivered += transport.Delivered;
                failed += transport.Failed;
            }
            return new Totals(sends, wraps, received, delivered, failed);
        }

        public static Totals operator -(Totals a, Totals b) =>
            new(a.Sends - b.Sends, a.Wraps - b.Wraps, a.Received - b.Received, a.ServerDelivered - b.ServerDelivered, a.Failed - b.Failed);
    }
}
