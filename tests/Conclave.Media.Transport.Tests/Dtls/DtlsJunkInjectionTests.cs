using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Srtp;
using Conclave.Media.Transport.Tests.Srtp;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// Junk in the DTLS range of RFC 7983 injected into a running handshake. Random junk, however DTLS-shaped its
/// headers, must not stall it: <see cref="QueueDatagramTransport"/> drops what is not well-formed and renumbers
/// epoch-0 records, so BouncyCastle's anti-replay window cannot be pushed past the genuine records. Records that are
/// valid in every checked field can still derail a DTLS 1.2 handshake, whose epoch 0 nothing authenticates; those
/// must end it cleanly within its timeout.
/// </summary>
public sealed class DtlsJunkInjectionTests
{
    private static readonly DtlsCertificate ServerCertificate = DtlsCapturedHandshake.ServerCertificate;
    private static readonly DtlsCertificate ClientCertificate = DtlsCapturedHandshake.ClientCertificate;

    private static readonly DtlsSrtpOptions Options = new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(10),
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100),
    };

    public enum JunkKind { RandomBytes, RecordShaped, Mixed }

    private static (Task<DtlsSrtpSession> Client, Task<DtlsSrtpSession> Server) Start(DtlsTestLink link, DtlsSrtpOptions options)
    {
        Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, ServerCertificate, ClientCertificate.Fingerprint, options, TestContext.Current.CancellationToken);
        Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, ClientCertificate, ServerCertificate.Fingerprint, options, TestContext.Current.CancellationToken);
        return (client, server);
    }

    private static int Junk(Random random, JunkKind kind, Span<byte> buffer) => kind switch
    {
        JunkKind.RandomBytes => DtlsJunk.RandomBytes(random, buffer),
        JunkKind.RecordShaped => DtlsJunk.RecordShaped(random, buffer),
        _ => random.Next(2) == 0 ? DtlsJunk.RandomBytes(random, buffer) : DtlsJunk.RecordShaped(random, buffer),
    };

    // One seeded generator per direction: each direction's junk is then the same sequence on every run.
    private static DtlsTestInterferer Injector(JunkKind kind, int seed, int perDatagram, Func<int, int>? burstAt = null)
    {
        var generators = new Dictionary<QueueDatagramTransport, (Random Random, byte[] Buffer, int[] Sent)>();
        return (receiver, _) =>
        {
            (Random Random, byte[] Buffer, int[] Sent) state;
            lock (generators)
            {
                if (!generators.TryGetValue(receiver, out state))
                {
                    state = (new Random(seed + generators.Count), new byte[1500], new int[1]);
                    generators.Add(receiver, state);
                }
            }
            int count = perDatagram + (burstAt?.Invoke(state.Sent[0]++) ?? 0);
            for (int i = 0; i < count; i++)
            {
                int length = Junk(state.Random, kind, state.Buffer);
                receiver.Enqueue(state.Buffer.AsSpan(0, length));
            }
        };
    }

    private static async Task AssertBothCompleteAndAgree(Task<DtlsSrtpSession> clientTask, Task<DtlsSrtpSession> serverTask)
    {
        using DtlsSrtpSession client = await clientTask.WaitAsync(DtlsTestLink.Deadline, TestContext.Current.CancellationToken);
        using DtlsSrtpSession server = await serverTask.WaitAsync(DtlsTestLink.Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(client.Profile, server.Profile);
        byte[] srtp = SrtpTestPackets.ProtectRtp(client.Outbound, seq: 1, ssrc: 0x0BAD_CAFE);
        Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(server.Inbound, srtp));
    }

    [Theory]
    [InlineData(JunkKind.RandomBytes, 1)]
    [InlineData(JunkKind.RecordShaped, 2)]
    [InlineData(JunkKind.RecordShaped, 3)]
    [InlineData(JunkKind.Mixed, 4)]
    [InlineData(JunkKind.Mixed, 5)]
    public async Task Handshake_completes_with_a_junk_datagram_before_every_real_one(JunkKind kind, int seed)
    {
        var link = new DtlsTestLink(interfere: Injector(kind, seed, perDatagram: 1));
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, Options);
        await AssertBothCompleteAndAgree(client, server);
        Assert.True(link.Server.MalformedDatagrams + link.Client.MalformedDatagrams > 0);
    }

    [Theory]
    [InlineData(JunkKind.RecordShaped, 6)]
    [InlineData(JunkKind.Mixed, 7)]
    public async Task Handshake_completes_through_junk_bursts(JunkKind kind, int seed)
    {
        // 100 junk datagrams before the first real one in each direction and before every fourth, plus one before each.
        var link = new DtlsTestLink(interfere: Injector(kind, seed, perDatagram: 1, burstAt: i => i % 4 == 0 ? 100 : 0));
        var random = new Random(seed);
        byte[] buffer = new byte[1500];
        for (int i = 0; i < 100; i++) link.Server.Enqueue(buffer.AsSpan(0, Junk(random, kind, buffer)));
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, Options);
        await AssertBothCompleteAndAgree(client, server);
    }

    [Fact]
    public async Task Forged_high_sequence_numbers_no_longer_blind_the_epoch_0_replay_window()
    {
        // The stall as first seen: a well-formed epoch-0 alert numbered 2^48 - 1 ahead of every genuine record. Before
        // the renumbering, BouncyCastle moved its window there and discarded every genuine epoch-0 record after it.
        // Warning no_renegotiation (RFC 5246 §7.2.2), which BouncyCastle ignores once it passed the replay check.
        byte[] forged = Hex("15 FEFD 0000 FFFFFFFFFFFF 0002  01 64");
        var link = new DtlsTestLink(interfere: (receiver, _) => receiver.Enqueue(forged));
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, Options);
        await AssertBothCompleteAndAgree(client, server);
        Assert.Equal(0, link.Server.MalformedDatagrams);
    }

    public static TheoryData<string, string, DtlsHandshakeFailure> ForgedValidRecords => new()
    {
        // Nothing authenticates an epoch-0 alert; a fatal one ends the handshake at once (RFC 5246 §7.2).
        { "fatal handshake_failure alert", "15 FEFD 0000 000000000000 0002  02 28", DtlsHandshakeFailure.AlertReceived },
        // A ServerHello fragment with the right message_seq (0: no HelloVerifyRequest, RFC 6347 §4.2.2) but another
        // length takes the reassembly slot (§4.2.3): the genuine ServerHello no longer fits and the client times out.
        { "ServerHello fragment with a wrong length", "16 FEFD 0000 000000000000 000E  02 000100 0000 000000 000002 AABB", DtlsHandshakeFailure.Timeout },
    };

    [Theory]
    [MemberData(nameof(ForgedValidRecords))]
    public async Task Forged_records_valid_in_every_checked_field_end_the_handshake_cleanly(string name, string hex, DtlsHandshakeFailure clientFailure)
    {
        Assert.NotEmpty(name);
        byte[] forged = Hex(hex);
        // Only the client's timer may run out: the server's is far longer, and the server is closed once the client failed.
        var clientOptions = Options with { HandshakeTimeout = TimeSpan.FromSeconds(2) };
        var serverOptions = Options with { HandshakeTimeout = TimeSpan.FromSeconds(50) };
        // Before each datagram from the server: the client sees the forgery ahead of the genuine server flight.
        DtlsTestLink? link = null;
        link = new DtlsTestLink(interfere: (receiver, _) =>
        {
            if (ReferenceEquals(receiver, link!.Client)) receiver.Enqueue(forged);
        });
        using var closeServer = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, ServerCertificate, ClientCertificate.Fingerprint, serverOptions, closeServer.Token);
        Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, ClientCertificate, ServerCertificate.Fingerprint, clientOptions, TestContext.Current.CancellationToken);

        Assert.Equal(clientFailure, (await Failure(client)).Reason);
        await closeServer.CancelAsync();
        await Failure(server);                                   // the client's alert, or the close
        Assert.Equal(0, link.Client.MalformedDatagrams);
    }

    private static byte[] Hex(string spaced) => Convert.FromHexString(spaced.Replace(" ", "", StringComparison.Ordinal));

    private static async Task<DtlsSrtpHandshakeException> Failure(Task<DtlsSrtpSession> task)
    {
        Task completed = await Task.WhenAny(task, Task.Delay(DtlsTestLink.Deadline, TestContext.Current.CancellationToken));
        Assert.Same(task, completed);
        return await Assert.ThrowsAsync<DtlsSrtpHandshakeException>(() => task);
    }
}
