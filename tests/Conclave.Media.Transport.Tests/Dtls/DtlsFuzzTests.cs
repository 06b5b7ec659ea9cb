using System.Diagnostics;
using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// pion-style fuzzing of the DTLS input path from fixed seeds: random datagrams, DTLS-shaped ones and mutations of a
/// captured handshake (<see cref="DtlsJunk.Mutate"/>), first through <see cref="QueueDatagramTransport.Enqueue"/> at
/// volume, then into BouncyCastle handshakes. Nothing may throw out of Enqueue; every handshake must end with a
/// session or a <see cref="DtlsSrtpHandshakeException"/>, never another exception and never past its timeout.
/// </summary>
public sealed class DtlsFuzzTests(ITestOutputHelper output)
{
    private const int Volume = 1_000_000;
    private const int ServerRuns = 240;
    private const int HandshakeRuns = 160;
    private const int Parallel = 32;

    // Short timers: a run that fuzz derails waits out its handshake timeout, so that bounds the test's duration.
    private static readonly DtlsSrtpOptions LinkOptions = new()
    {
        HandshakeTimeout = TimeSpan.FromMilliseconds(1500),
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50),
    };

    private static readonly DtlsSrtpOptions ServerOnlyOptions = LinkOptions with { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public async Task Million_random_and_mutated_datagrams_never_throw_from_enqueue_and_stay_bounded()
    {
        DtlsCapturedHandshake captured = await DtlsCapturedHandshake.GetAsync();
        var random = new Random(6347);
        var transport = new QueueDatagramTransport(_ => { });
        byte[] buffer = new byte[4096];
        byte[] received = new byte[QueueDatagramTransport.DefaultReceiveLimit];
        long accepted = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < Volume; i++)
        {
            int length = (i & 3) switch
            {
                0 => DtlsJunk.RandomBytes(random, buffer),
                1 => DtlsJunk.RecordShaped(random, buffer),
                _ => DtlsJunk.Mutate(random, captured.All, buffer),
            };
            if (!transport.Enqueue(buffer.AsSpan(0, length))) continue;
            accepted++;
            // Drained at once, so the queue cap never drops one here; what comes out is what went in, renumbered.
            int read = transport.Receive(received, 0, received.Length, 1000);
            if (read != length || !QueueDatagramTransport.IsWellFormed(received.AsSpan(0, read)))
                Assert.Fail($"datagram {i}: queued {length} bytes, received {read}");
        }
        stopwatch.Stop();
        output.WriteLine($"{Volume:N0} datagrams in {stopwatch.Elapsed.TotalSeconds:F2} s: {accepted:N0} queued, " +
            $"{transport.MalformedDatagrams:N0} malformed, {transport.DroppedDatagrams - transport.MalformedDatagrams:N0} over the receive limit");
        Assert.Equal(Volume, accepted + transport.DroppedDatagrams);
        Assert.True(accepted > Volume / 10, $"mutations of real flights should often stay well-formed, got {accepted}");
        Assert.True(transport.MalformedDatagrams > Volume / 2);

        // Memory stays bounded when nobody drains: the queue holds MaxQueuedDatagrams, the rest is dropped.
        var stuck = new QueueDatagramTransport(_ => { });
        int queued = 0;
        foreach (byte[] datagram in captured.All)
        {
            for (int i = 0; i < QueueDatagramTransport.MaxQueuedDatagrams; i++)
                if (stuck.Enqueue(datagram)) queued++;
        }
        Assert.Equal(QueueDatagramTransport.MaxQueuedDatagrams, queued);
    }

    [Fact]
    public async Task Server_handshakes_fed_mutated_client_flights_end_cleanly()
    {
        DtlsCapturedHandshake captured = await DtlsCapturedHandshake.GetAsync();
        var outcomes = new Outcomes();
        long fed = 0;
        await RunAll(ServerRuns, async run =>
        {
            // A server alone, fed the captured client flights in order with mutations, junk and losses mixed in; its
            // own flights go nowhere. The captured Finished cannot verify against this server's random, so at best it
            // gets that far before failing.
            var random = new Random(run);
            var transport = new QueueDatagramTransport(_ => { });
            Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(transport, DtlsCapturedHandshake.ServerCertificate,
                DtlsCapturedHandshake.ClientCertificate.Fingerprint, ServerOnlyOptions, TestContext.Current.CancellationToken);
            byte[] buffer = new byte[4096];
            foreach (byte[] genuine in captured.ClientToServer)
            {
                for (int j = random.Next(4); j > 0; j--)
                {
                    transport.Enqueue(buffer.AsSpan(0, Fuzz(random, captured.ClientToServer, buffer)));
                    Interlocked.Increment(ref fed);
                }
                if (random.Next(8) != 0) transport.Enqueue(genuine);
            }
            outcomes.Add(await End(server));
        });
        output.WriteLine($"{ServerRuns} server handshakes, {fed:N0} fuzz datagrams fed: {outcomes}");
        Assert.Equal(ServerRuns, outcomes.Total);
    }

    [Fact]
    public async Task Client_and_server_handshakes_through_a_fuzzing_link_end_cleanly()
    {
        DtlsCapturedHandshake captured = await DtlsCapturedHandshake.GetAsync();
        var outcomes = new Outcomes();
        long injected = 0;
        await RunAll(HandshakeRuns, async run =>
        {
            // Per direction, before each real datagram: up to two fuzz datagrams and, one time in four, a mutated
            // copy of the real one ahead of it; one real datagram in eight is lost.
            var generators = new Dictionary<QueueDatagramTransport, (Random Random, byte[] Buffer)>();
            var link = new DtlsTestLink(i => (i + run) % 8 == 7, i => (i + run) % 8 == 3, (receiver, datagram) =>
            {
                (Random Random, byte[] Buffer) g;
                lock (generators)
                {
                    if (!generators.TryGetValue(receiver, out g)) generators.Add(receiver, g = (new Random(run * 2 + generators.Count), new byte[4096]));
                }
                for (int j = g.Random.Next(3); j > 0; j--)
                {
                    receiver.Enqueue(g.Buffer.AsSpan(0, Fuzz(g.Random, captured.All, g.Buffer)));
                    Interlocked.Increment(ref injected);
                }
                if (g.Random.Next(4) == 0)
                {
                    receiver.Enqueue(g.Buffer.AsSpan(0, DtlsJunk.Mutate(g.Random, [datagram.ToArray()], g.Buffer)));
                    Interlocked.Increment(ref injected);
                }
            });
            Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, DtlsCapturedHandshake.ServerCertificate,
                DtlsCapturedHandshake.ClientCertificate.Fingerprint, LinkOptions, TestContext.Current.CancellationToken);
            Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, DtlsCapturedHandshake.ClientCertificate,
                DtlsCapturedHandshake.ServerCertificate.Fingerprint, LinkOptions, TestContext.Current.CancellationToken);
            outcomes.Add(await End(client));
            outcomes.Add(await End(server));
        });
        output.WriteLine($"{HandshakeRuns} handshakes, {injected:N0} fuzz datagrams injected; client and server ends: {outcomes}");
        Assert.Equal(2 * HandshakeRuns, outcomes.Total);
        Assert.True(outcomes.Sessions > 0, "some handshakes get through the fuzz");
    }

    private static int Fuzz(Random random, IReadOnlyList<byte[]> captured, byte[] buffer) => random.Next(4) switch
    {
        0 => DtlsJunk.RandomBytes(random, buffer),
        1 => DtlsJunk.RecordShaped(random, buffer),
        _ => DtlsJunk.Mutate(random, captured, buffer),
    };

    // A session (disposed) or the failure reason; any other exception type, or no end within the deadline, fails.
    private static async Task<DtlsHandshakeFailure?> End(Task<DtlsSrtpSession> handshake)
    {
        Task completed = await Task.WhenAny(handshake, Task.Delay(DtlsTestLink.Deadline, TestContext.Current.CancellationToken));
        Assert.Same(handshake, completed);
        if (handshake.IsCompletedSuccessfully)
        {
            handshake.Result.Dispose();
            return null;
        }
        return Assert.IsType<DtlsSrtpHandshakeException>(handshake.Exception!.InnerException).Reason;
    }

    // Up to Parallel runs at a time: each handshake side blocks a thread of its own, mostly waiting.
    private static async Task RunAll(int runs, Func<int, Task> run)
    {
        using var slots = new SemaphoreSlim(Parallel);
        var started = new List<Task>(runs);
        for (int i = 0; i < runs; i++)
        {
            await slots.WaitAsync(TestContext.Current.CancellationToken);
            started.Add(RunOne(i));
        }
        await Task.WhenAll(started);

        async Task RunOne(int i)
        {
            try
            {
                await run(i);
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private sealed class Outcomes
    {
        private readonly Dictionary<string, int> _counts = [];

        public int Total { get; private set; }
        public int Sessions { get; private set; }

        public void Add(DtlsHandshakeFailure? failure)
        {
            lock (_counts)
            {
                string key = failure?.ToString() ?? "session";
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
                Total++;
                if (failure is null) Sessions++;
            }
        }

        public override string ToString()
        {
            lock (_counts) return string.Join(", ", _counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
        }
    }
}
