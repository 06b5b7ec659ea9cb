using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Bench.Signaling;

/// <summary>The benchmark failed for a reason worth one line (the server misbehaved, the roster is wrong).</summary>
internal sealed class BenchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Everything a run measured.</summary>
internal sealed record BenchResult(
    string Room, int Residents, DateTimeOffset StartedAt, TimeSpan SetupTime, TimeSpan MeasuredTime, IReadOnlyList<Metric> Metrics);

/// <summary>
/// Runs warmup + measured joins one after the other against one server. Nothing runs concurrently with a
/// timed interval except the residents' connections (idle but for heartbeats and roster events).
/// </summary>
internal sealed class SignalingBench(BenchOptions options, TextWriter progress)
{
    private readonly Metric _open = new("open", "open (ws upgrade)", "TCP connect + HTTP upgrade of /signal; before hello, not in hello→joined");
    private readonly Metric _hello = new("helloWelcome", "hello → welcome", "token validation + SessionGrain.OpenAsync (a new grain activation)");
    private readonly Metric _join = new("joinJoined", "join → joined", "SessionGrain.JoinAsync → CallGrain.JoinAsync (room check, user keys, fan-out)");
    private readonly Metric _helloJoined = new("helloJoined", "hello → joined", "from sending hello to receiving joined (the two above back to back)");
    private readonly Metric _ping = new("pingPong", "ping → pong", "after joined: one SessionGrain.HeartbeatAsync call (one grain round trip)");
    private readonly Metric _echo = new("noGrainEcho", "2nd hello → error", "after leave: a second hello (same bytes as the first) refused before any grain call: WebSocket + JSON only");
    private readonly Metric _leave = new("leaveLeft", "leave → left", "SessionGrain.LeaveAsync → CallGrain.LeaveAsync (fan-out)");
    private readonly Metric _close = new("close", "close (1000)", "close handshake; the server ends the session");

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        long setupStart = Stopwatch.GetTimestamp();
        int residentCount = options.RoomSize - 1;
        int total = residentCount + options.Warmup + options.Joins;
        string room = string.Create(CultureInfo.InvariantCulture,
            $"bench-{startedAt:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");

        using ConclaveApiClient admin = ConclaveApiClient.Create(options.Server, options.Token);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(options.Server);
        await admin.CreateRoomAsync(new CreateRoomRequest(room), cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"room {room} created on {admin.Server}; redeeming {total} invitations (not timed)…");

        var tokens = new List<string>(total);
        for (int i = 0; i < total; i++)
        {
            string name = i < residentCount ? $"resident {i + 1}" : $"joiner {i - residentCount + 1}";
            InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(name), cancellationToken).ConfigureAwait(false);
            // By code on --server, not by the URL: the URL's host is the server's PublicUrl, and this tool talks to one host only.
            RedeemResponse redeemed = await anonymous.RedeemInvitationAsync(invitation.Code, cancellationToken).ConfigureAwait(false);
            tokens.Add(redeemed.Token);
        }

        var residents = new List<Resident>(residentCount);
        try
        {
            for (int i = 0; i < residentCount; i++)
            {
                residents.Add(await Resident.JoinAsync(options.Server, tokens[i], room, expectedRoster: i + 1, cancellationToken).ConfigureAwait(false));
            }
            if (residentCount > 0) progress.WriteLine($"{residentCount} resident participant(s) joined and stay connected (heartbeats on).");

            TimeSpan setup = Stopwatch.GetElapsedTime(setupStart);
            long measuredStart = Stopwatch.GetTimestamp();
            int joins = options.Warmup + options.Joins;
            for (int i = 0; i < joins; i++)
            {
                bool record = i >= options.Warmup;
                await JoinOnceAsync(tokens[residentCount + i], room, expectedRoster: residentCount + 1, record, cancellationToken).ConfigureAwait(false);
                if (i + 1 == options.Warmup) progress.WriteLine($"warmup done ({options.Warmup} joins).");
                if (record && (i + 1 - options.Warmup) % 25 == 0) progress.WriteLine($"{i + 1 - options.Warmup}/{options.Joins} joins measured");
            }

            foreach (Resident resident in residents) resident.ThrowIfLost();
            return new BenchResult(room, residentCount, startedAt, setup, Stopwatch.GetElapsedTime(measuredStart),
                [_open, _hello, _join, _helloJoined, _ping, _echo, _leave, _close]);
        }
        finally
        {
            foreach (Resident resident in residents) await resident.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task JoinOnceAsync(string token, string room, int expectedRoster, bool record, CancellationToken cancellationToken)
    {
        // No heartbeat: the connection lives a few milliseconds, and a ping racing a timed request would skew it.
        SignalingClient client = new(new SignalingClientOptions { EnableHeartbeat = false });
        await using (client.ConfigureAwait(false))
        {
            long t0 = Stopwatch.GetTimestamp();
            await client.OpenAsync(options.Server, cancellationToken).ConfigureAwait(false);
            long t1 = Stopwatch.GetTimestamp();
            WelcomeMessage welcome = await client.HelloAsync(token, resume: null, cancellationToken).ConfigureAwait(false);
            long t2 = Stopwatch.GetTimestamp();
            JoinedMessage joined = await client.JoinAsync(room, cancellationToken).ConfigureAwait(false);
            long t3 = Stopwatch.GetTimestamp();

            if (welcome.Resumed) throw new BenchException("the server answered a fresh hello with resumed: true");
            if (joined.Participants.Count != expectedRoster)
                throw new BenchException($"joined carries {joined.Participants.Count} participant(s), expected {expectedRoster}: " +
                    "another client is in the room, or a previous joiner's session did not end");

            long t4 = Stopwatch.GetTimestamp();
            await client.PingAsync(cancellationToken).ConfigureAwait(false);
            long t5 = Stopwatch.GetTimestamp();
            LeftMessage left = await client.LeaveAsync(cancellationToken).ConfigureAwait(false);
            long t6 = Stopwatch.GetTimestamp();
            if (left.Room != room) throw new BenchException($"left names room '{left.Room}', expected '{room}'");

            // Authenticated already: the server refuses this before any grain call (SignalConnection.DispatchAsync).
            ErrorMessage refused = await client.RequestAsync<ErrorMessage>(new HelloMessage { Token = token }, cancellationToken).ConfigureAwait(false);
            long t7 = Stopwatch.GetTimestamp();
            if (refused.Code != ErrorCodes.NotAuthenticated)
                throw new BenchException($"a second hello got '{refused.Code}', expected '{ErrorCodes.NotAuthenticated}'");

            await client.CloseAsync(CloseCodes.Normal, "bench done", cancellationToken).ConfigureAwait(false);
            long t8 = Stopwatch.GetTimestamp();
            if (client.CloseStatus is not CloseCodes.Normal)
                throw new BenchException($"the server closed with {client.CloseStatus?.ToString(CultureInfo.InvariantCulture) ?? "no close frame"}, expected 1000");

            if (!record) return;
            _open.Add(Ms(t0, t1));
            _hello.Add(Ms(t1, t2));
            _join.Add(Ms(t2, t3));
            _helloJoined.Add(Ms(t1, t3));
            _ping.Add(Ms(t4, t5));
            _leave.Add(Ms(t5, t6));
            _echo.Add(Ms(t6, t7));
            _close.Add(Ms(t7, t8));
        }
    }

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>A participant that stays in the call for the whole run, reading (and dropping) its roster events.</summary>
    private sealed class Resident : IAsyncDisposable
    {
        private readonly SignalingClient _client;
        private readonly Task _drain;

        private Resident(SignalingClient client)
        {
            _client = client;
            _drain = Task.Run(async () =>
            {
                await foreach (SignalMessage _ in client.Events.ReadAllAsync().ConfigureAwait(false))
                {
                    // participant-joined / participant-left of the joiners: not needed.
                }
            });
        }

        public static async Task<Resident> JoinAsync(Uri server, string token, string room, int expectedRoster, CancellationToken cancellationToken)
        {
            var client = new SignalingClient(); // heartbeat on: it must outlive the session timeout
            try
            {
                await client.ConnectAsync(server, token, resume: null, cancellationToken).ConfigureAwait(false);
                JoinedMessage joined = await client.JoinAsync(room, cancellationToken).ConfigureAwait(false);
                if (joined.Participants.Count != expectedRoster)
                    throw new BenchException($"resident {expectedRoster} sees {joined.Participants.Count} participant(s), expected {expectedRoster}");
                return new Resident(client);
            }
            catch
            {
                await client.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public void ThrowIfLost()
        {
            if (!_client.IsOpen)
                throw new BenchException($"a resident participant lost its connection during the run (close code {_client.CloseStatus?.ToString(CultureInfo.InvariantCulture) ?? "none"})");
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_client.IsOpen)
                {
                    await _client.LeaveAsync().ConfigureAwait(false);
                    await _client.CloseAsync(CloseCodes.Normal, "bench done").ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SignalingException or TimeoutException)
            {
                // Best effort: disposal below ends the connection anyway, and the session times out.
            }
            await _client.DisposeAsync().ConfigureAwait(false);
            await _drain.ConfigureAwait(false);
        }
    }
}
