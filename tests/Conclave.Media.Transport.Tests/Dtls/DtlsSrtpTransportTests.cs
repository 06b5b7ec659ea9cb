using System.Collections.Concurrent;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Srtp;
using Conclave.Media.Transport.Tests.Srtp;

namespace Conclave.Media.Transport.Tests.Dtls;

public sealed class DtlsSrtpTransportTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [MemberData(nameof(DtlsSrtpHandshakeTests.AllProfiles), MemberType = typeof(DtlsSrtpHandshakeTests))]
    public async Task Rtp_and_rtcp_flow_both_ways_under_the_forced_profile(SrtpProfile profile)
    {
        var options = new DtlsSrtpOptions { SrtpProfiles = [profile] };
        await using var pair = TransportPair.Create(options, options);
        pair.Start();
        await pair.BothConnected();
        Assert.Equal(profile, pair.Server.Profile);
        Assert.Equal(profile, pair.Client.Profile);

        for (ushort seq = 1; seq <= 20; seq++)
        {
            (byte[] rtp, int length) = SrtpTestPackets.Rtp(seq, ssrc: 0x11223344, payloadLength: 1000, spare: 64);
            byte[] expected = rtp[..length];
            Assert.Equal(MediaSendStatus.Sent, pair.Client.SendRtp(rtp, length));
            Assert.Equal(expected, await pair.ServerHandler.NextRtp());

            (byte[] back, int backLength) = SrtpTestPackets.Rtp(seq, ssrc: 0x55667788, payloadLength: 200, spare: 64);
            byte[] expectedBack = back[..backLength];
            Assert.Equal(MediaSendStatus.Sent, pair.Server.SendRtp(back, backLength));
            Assert.Equal(expectedBack, await pair.ClientHandler.NextRtp());
        }
        (byte[] rtcp, int rtcpLength) = SrtpTestPackets.Rtcp(ssrc: 0x55667788, length: 32, spare: 64);
        byte[] expectedRtcp = rtcp[..rtcpLength];
        Assert.Equal(MediaSendStatus.Sent, pair.Server.SendRtcp(rtcp, rtcpLength));
        Assert.Equal(expectedRtcp, await pair.ClientHandler.NextRtcp());
        Assert.Equal(20, pair.Server.Counters.RtpReceived);
        Assert.Equal(1, pair.Client.Counters.RtcpReceived);
    }

    [Fact]
    public async Task Replayed_and_forged_srtp_is_dropped_and_counted()
    {
        await using var pair = TransportPair.Create();
        pair.Start();
        await pair.BothConnected();
        (byte[] rtp, int length) = SrtpTestPackets.Rtp(7, ssrc: 1, payloadLength: 100, spare: 64);
        pair.Link.CaptureClientRtp = true;
        Assert.Equal(MediaSendStatus.Sent, pair.Client.SendRtp(rtp, length));
        await pair.ServerHandler.NextRtp();
        byte[] wire = pair.Link.CapturedClientRtp.Take(new CancellationTokenSource(Deadline).Token);

        pair.Server.OnRtp(wire.ToArray());                                 // the same packet again: replay
        byte[] forged = wire.ToArray();
        forged[3] ^= 1;                                                    // a new sequence number the tag does not cover
        pair.Server.OnRtp(forged);

        Assert.Equal(1, pair.Server.Counters.GetRejected(SrtpStatus.Replayed));
        Assert.Equal(1, pair.Server.Counters.GetRejected(SrtpStatus.AuthenticationFailed));
        Assert.Equal(1, pair.Server.Counters.RtpReceived);
    }

    [Fact]
    public async Task Receiving_and_sending_srtp_allocates_nothing_per_packet()
    {
        await using var pair = TransportPair.Create();
        pair.Start();
        await pair.BothConnected();
        const int Packets = 3000, Warmup = 100;
        pair.Link.CaptureClientRtp = true;
        pair.Link.DeliverClientRtp = false;
        for (ushort seq = 0; seq < Packets; seq++)
        {
            (byte[] rtp, int length) = SrtpTestPackets.Rtp(seq, ssrc: 42, payloadLength: 1000, spare: 64);
            Assert.Equal(MediaSendStatus.Sent, pair.Client.SendRtp(rtp, length));
        }
        byte[][] wire = [.. Enumerable.Range(0, Packets).Select(_ => pair.Link.CapturedClientRtp.Take(TestContext.Current.CancellationToken))];
        pair.ServerHandler.CountOnly = true;
        pair.Link.DiscardFromServer = true;
        (byte[] plain, int plainLength) = SrtpTestPackets.Rtp(1, ssrc: 43, payloadLength: 1000, spare: 64);
        byte[] scratch = new byte[plain.Length];

        void Round(int i)
        {
            pair.Server.OnRtp(wire[i]);
            plain.AsSpan(0, plainLength).CopyTo(scratch);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(scratch.AsSpan(2), (ushort)i);
            pair.Server.SendRtp(scratch, plainLength);
        }

        for (int i = 0; i < Warmup; i++) Round(i);                     // first SSRC state, JIT
        // The runtime may allocate once on its own (tiering, a timer); a per-packet allocation shows in every window.
        const int Windows = 5, PerWindow = (Packets - Warmup) / Windows;
        var allocated = new List<long>();
        for (int w = 0; w < Windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = Warmup + w * PerWindow; i < Warmup + (w + 1) * PerWindow; i++) Round(i);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        for (int i = Warmup + Windows * PerWindow; i < Packets; i++) Round(i);

        Assert.True(allocated.Contains(0), $"bytes allocated per window of {PerWindow} packets: {string.Join(", ", allocated)}");
        Assert.Equal(Packets, pair.ServerHandler.RtpCount);
        Assert.Equal(Packets, pair.Server.Counters.RtpSent);
    }

    [Fact]
    public async Task Srtp_before_the_handshake_is_dropped_and_sending_reports_not_connected()
    {
        await using var pair = TransportPair.Create();
        (byte[] rtp, int length) = SrtpTestPackets.Rtp(1, ssrc: 1, payloadLength: 100, spare: 64);
        Assert.Equal(MediaSendStatus.NotConnected, pair.Server.SendRtp(rtp, length));
        pair.Server.OnRtp(rtp.AsSpan(0, length + 16));
        Assert.Equal(1, pair.Server.Counters.DroppedBeforeKeys);
    }

    [Fact]
    public async Task Lost_final_flight_is_resent_by_the_read_loop_after_the_server_connected()
    {
        // DTLS 1.2 full handshake: the client's flight 5 ends with Finished, the server answers with flight 6
        // (ChangeCipherSpec, Finished) and is done. Dropping flight 6 once leaves the client waiting: it repeats
        // flight 5, and only the server's post-handshake read loop can answer it (RFC 6347 §4.2.4).
        var options = new DtlsSrtpOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100) };
        await using var pair = TransportPair.Create(options, options);
        // BouncyCastle sends each record in its own datagram: flight 6 is ChangeCipherSpec (type 20, epoch 0), then
        // Finished (type 22, epoch 1). Drop the first transmission of each.
        int droppedCcs = 0, droppedFinished = 0;
        pair.Link.DropServerToClient = (_, datagram) =>
            datagram[0] == 20 ? Interlocked.Exchange(ref droppedCcs, 1) == 0
            : datagram[0] == 22 && datagram.Length > 4 && datagram[3] == 0 && datagram[4] == 1 && Interlocked.Exchange(ref droppedFinished, 1) == 0;
        pair.Start();
        await pair.BothConnected();
        Assert.Equal(1, droppedCcs);
        Assert.Equal(1, droppedFinished);
    }

    [Fact]
    public async Task Disposing_one_side_sends_close_notify_and_the_other_side_reports_closed_by_peer()
    {
        await using var pair = TransportPair.Create();
        pair.Start();
        await pair.BothConnected();
        pair.Client.Dispose();
        (DtlsSrtpCloseReason reason, string detail) = await pair.ServerHandler.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(DtlsSrtpCloseReason.ClosedByPeer, reason);
        Assert.False(string.IsNullOrEmpty(detail));
        Assert.Equal(DtlsSrtpCloseReason.Disposed, (await pair.ClientHandler.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Reason);
        Assert.False(pair.Server.IsConnected);
        (byte[] rtp, int length) = SrtpTestPackets.Rtp(1, ssrc: 1, payloadLength: 100, spare: 64);
        Assert.NotEqual(MediaSendStatus.Sent, pair.Server.SendRtp(rtp, length));
    }

    [Fact]
    public async Task Fingerprint_mismatch_fails_the_handshake_and_closes_both()
    {
        await using var pair = TransportPair.Create(serverExpectsWrongFingerprint: true);
        pair.Start();
        var failure = await Assert.ThrowsAsync<DtlsSrtpHandshakeException>(() => pair.Server.Connected.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(DtlsHandshakeFailure.FingerprintMismatch, failure.Reason);
        Assert.Equal(DtlsHandshakeFailure.FingerprintMismatch, pair.Server.HandshakeFailure);
        Assert.Equal(DtlsSrtpCloseReason.HandshakeFailed, (await pair.ServerHandler.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Reason);
        Assert.Equal(DtlsSrtpCloseReason.HandshakeFailed, (await pair.ClientHandler.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Reason);
    }

    [Fact]
    public async Task Disposing_during_the_handshake_cancels_connected_and_reports_disposed()
    {
        await using var pair = TransportPair.Create();
        pair.Server.Start();                                               // the client never starts: the server waits
        pair.Server.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pair.Server.Connected.WaitAsync(Deadline, TestContext.Current.CancellationToken));
        Assert.Equal(DtlsSrtpCloseReason.Disposed, (await pair.ServerHandler.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken)).Reason);
    }

    /// <summary>Records what a transport delivers; waits on conditions, never on time.</summary>
    private sealed class RecordingHandler : IDtlsSrtpTransportHandler
    {
        private readonly BlockingCollection<byte[]> _rtp = new();
        private readonly BlockingCollection<byte[]> _rtcp = new();

        public TaskCompletionSource<(DtlsSrtpCloseReason Reason, string Detail)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(DtlsSrtpTransport transport) => Assert.True(transport.IsConnected);

        /// <summary>Only count RTP (allocation measurements).</summary>
        public bool CountOnly { get; set; }

        public int RtpCount;

        public void OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
        {
            Interlocked.Increment(ref RtpCount);
            if (!CountOnly) _rtp.Add(packet.ToArray());
        }

        public void OnRtcp(DtlsSrtpTransport transport, Span<byte> packet) => _rtcp.Add(packet.ToArray());

        public void OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail) => Assert.True(Closed.TrySetResult((reason, detail)));

        public Task<byte[]> NextRtp() => Task.Run(() => _rtp.Take(new CancellationTokenSource(Deadline).Token));

        public Task<byte[]> NextRtcp() => Task.Run(() => _rtcp.Take(new CancellationTokenSource(Deadline).Token));
    }

    /// <summary>Two transports joined by an in-memory link; one delivery thread per direction plays the receive
    /// thread, demultiplexing as RFC 7983 says.</summary>
    private sealed class Link : IAsyncDisposable
    {
        private readonly BlockingCollection<byte[]> _toServer = new();
        private readonly BlockingCollection<byte[]> _toClient = new();
        private readonly Thread _serverReceive;
        private readonly Thread _clientReceive;
        private int _serverToClientIndex;

        public Link()
        {
            _serverReceive = new Thread(() => Pump(_toServer, () => ServerSink!)) { IsBackground = true };
            _clientReceive = new Thread(() => Pump(_toClient, () => ClientSink!)) { IsBackground = true };
            _serverReceive.Start();
            _clientReceive.Start();
        }

        public IMediaDatagramSink? ServerSink { get; set; }
        public IMediaDatagramSink? ClientSink { get; set; }
        public Func<int, byte[], bool>? DropServerToClient { get; set; }
        public bool CaptureClientRtp { get; set; }
        public BlockingCollection<byte[]> CapturedClientRtp { get; } = new();

        /// <summary>False: captured client RTP is not delivered to the server (the test feeds it itself).</summary>
        public bool DeliverClientRtp { get; set; } = true;

        /// <summary>True: what the server sends goes nowhere, without a copy (allocation measurements).</summary>
        public bool DiscardFromServer { get; set; }

        public MediaSendStatus FromClient(ReadOnlySpan<byte> datagram)
        {
            byte[] copy = datagram.ToArray();
            bool rtp = PacketDemux.Classify(copy) == PacketKind.Rtp;
            if (CaptureClientRtp && rtp) CapturedClientRtp.Add(copy.ToArray());
            if (DeliverClientRtp || !rtp) _toServer.Add(copy);
            return MediaSendStatus.Sent;
        }

        public MediaSendStatus FromServer(ReadOnlySpan<byte> datagram)
        {
            if (DiscardFromServer) return MediaSendStatus.Sent;
            byte[] copy = datagram.ToArray();
            int index = Interlocked.Increment(ref _serverToClientIndex) - 1;
            if (DropServerToClient?.Invoke(index, copy) != true) _toClient.Add(copy);
            return MediaSendStatus.Sent;
        }

        public ValueTask DisposeAsync()
        {
            _toServer.CompleteAdding();
            _toClient.CompleteAdding();
            _serverReceive.Join(Deadline);
            _clientReceive.Join(Deadline);
            return ValueTask.CompletedTask;
        }

        private static void Pump(BlockingCollection<byte[]> queue, Func<IMediaDatagramSink> sink)
        {
            foreach (byte[] datagram in queue.GetConsumingEnumerable())
            {
                switch (PacketDemux.Classify(datagram))
                {
                    case PacketKind.Dtls: sink().OnDtls(datagram); break;
                    case PacketKind.Rtp: sink().OnRtp(datagram); break;
                    case PacketKind.Rtcp: sink().OnRtcp(datagram); break;
                }
            }
        }
    }

    private sealed class TransportPair : IAsyncDisposable
    {
        private TransportPair(Link link, DtlsSrtpTransport server, RecordingHandler serverHandler, DtlsSrtpTransport client, RecordingHandler clientHandler)
        {
            Link = link;
            Server = server;
            ServerHandler = serverHandler;
            Client = client;
            ClientHandler = clientHandler;
        }

        public Link Link { get; }
        public DtlsSrtpTransport Server { get; }
        public RecordingHandler ServerHandler { get; }
        public DtlsSrtpTransport Client { get; }
        public RecordingHandler ClientHandler { get; }

        public static TransportPair Create(DtlsSrtpOptions? serverOptions = null, DtlsSrtpOptions? clientOptions = null, bool serverExpectsWrongFingerprint = false)
        {
            DtlsCertificate serverCertificate = DtlsCertificate.Generate("server");
            DtlsCertificate clientCertificate = DtlsCertificate.Generate("client");
            DtlsFingerprint expectedByServer = serverExpectsWrongFingerprint
                ? DtlsCertificate.Generate("impostor").Fingerprint
                : clientCertificate.Fingerprint;
            var link = new Link();
            var serverHandler = new RecordingHandler();
            var clientHandler = new RecordingHandler();
            var server = new DtlsSrtpTransport(DtlsRole.Server, serverCertificate, expectedByServer, link.FromServer, serverHandler, serverOptions);
            var client = new DtlsSrtpTransport(DtlsRole.Client, clientCertificate, serverCertificate.Fingerprint, link.FromClient, clientHandler, clientOptions);
            link.ServerSink = server;
            link.ClientSink = client;
            return new TransportPair(link, server, serverHandler, client, clientHandler);
        }

        public void Start()
        {
            Server.Start();
            Client.Start();
        }

        public Task BothConnected() => Task.WhenAll(Server.Connected, Client.Connected).WaitAsync(Deadline, TestContext.Current.CancellationToken);

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Server.Dispose();
            await Link.DisposeAsync();
        }
    }
}
