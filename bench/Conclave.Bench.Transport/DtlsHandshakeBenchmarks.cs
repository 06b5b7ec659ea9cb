using BenchmarkDotNet.Attributes;
using Conclave.Media.Transport.Dtls;

namespace Conclave.Bench.Transport;

/// <summary>
/// One full DTLS 1.2 handshake with use_srtp (RFC 5764), in memory: <see cref="DtlsSrtpHandshake.ConnectAsync"/>
/// and <see cref="DtlsSrtpHandshake.AcceptAsync"/> over two <see cref="QueueDatagramTransport"/>s whose send
/// callbacks feed each other, with the defaults a browser meets: ECDSA P-256 certificates (made once, outside the
/// measurement), TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, SRTP_AEAD_AES_128_GCM, extended master secret, mutual
/// certificates checked against their fingerprints. One op = both sides of one handshake, from the ClientHello to
/// both sessions and their SRTP keys, then close_notify both ways. <see cref="Handshake"/> runs one at a time (the
/// latency of one, the two sides taking turns); <see cref="HandshakesInParallel"/> runs eight at once so every core
/// is busy, and its mean per handshake is the machine's throughput: handshakes/s per core = 1 / (mean × cores).
/// Both sides run in this process, so each figure is for a client and a server together.
/// </summary>
[MemoryDiagnoser]
public class DtlsHandshakeBenchmarks
{
    private const int Concurrent = 8;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private DtlsCertificate _server = null!;
    private DtlsCertificate _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = DtlsCertificate.Generate("bench-server");
        _client = DtlsCertificate.Generate("bench-client");
    }

    [Benchmark(Description = "DTLS-SRTP handshake, client + server, one at a time")]
    public async Task Handshake()
    {
        QueueDatagramTransport? server = null;
        var client = new QueueDatagramTransport(datagram => server!.Enqueue(datagram));
        server = new QueueDatagramTransport(datagram => client.Enqueue(datagram));
        Task<DtlsSrtpSession> accept = DtlsSrtpHandshake.AcceptAsync(server, _server, _client.Fingerprint);
        Task<DtlsSrtpSession> connect = DtlsSrtpHandshake.ConnectAsync(client, _client, _server.Fingerprint);
        using DtlsSrtpSession clientSession = await connect.WaitAsync(Deadline);
        using DtlsSrtpSession serverSession = await accept.WaitAsync(Deadline);
        if (clientSession.Profile != serverSession.Profile) throw new InvalidOperationException("profiles differ");
    }

    [Benchmark(Description = "DTLS-SRTP handshake, client + server, 8 at once (per handshake)", OperationsPerInvoke = Concurrent)]
    public Task HandshakesInParallel()
    {
        var handshakes = new Task[Concurrent];
        for (int i = 0; i < handshakes.Length; i++) handshakes[i] = Handshake();
        return Task.WhenAll(handshakes);
    }
}
