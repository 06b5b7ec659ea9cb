using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Sdp;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Net;

/// <summary>The client socket over real loopback UDP against a real <see cref="UdpMediaListener"/>: ICE as the
/// controlling agent against the ICE-lite port, then DTLS/RTP/RTCP both ways with the selected address only.</summary>
public sealed class UdpMediaClientTests
{
    private static readonly IceCredentials Server = new("srvC", "ServerPasswordC012345678");
    private static readonly TimeSpan Deadline = RecordingPeerListener.Deadline;
    // An unanswered connect fails after 50 + 100 + 100 ms instead of 9.5 s.
    private static readonly IceControllingAgentOptions FastFailure = new()
    {
        InitialRetransmissionTimeout = TimeSpan.FromMilliseconds(50),
        MaxRetransmissionTimeout = TimeSpan.FromMilliseconds(100),
        MaxTransmissions = 3,
    };

    // RFC 3550 §5.1: V=2, PT=96, seq 1, ts 10, SSRC 0xDEADBEEF, 4 payload bytes.
    private static readonly byte[] Rtp = Convert.FromHexString("806000010000000ADEADBEEF01020304");
    // RFC 3550 §6.4.2: V=2, RC=0, PT=201 (RR), length 1, SSRC.
    private static readonly byte[] Rtcp = Convert.FromHexString("80C90001DEADBEEF");
    // RFC 6347 §4.1: handshake record, DTLS 1.2 (FEFD), epoch 0, seq 0, length 4.
    private static readonly byte[] Dtls = Convert.FromHexString("16FEFD0000000000000000000401020304");

    public static TheoryData<string> Loopbacks => new() { "127.0.0.1", "::1" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Loopbacks))]
    public async Task ConnectsToTheListenerAndCarriesDatagramsBothWays(string address)
    {
        IPAddress loopback = LoopbackOrSkip(address);
        using UdpMediaListener listener = NewListener(loopback);
        using var client = new UdpMediaClient(loopback);
        var states = new ConcurrentQueue<IceConnectionState>();
        client.IceStateChanged += (_, state) => states.Enqueue(state);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(Server, client.LocalCredentials.Ufrag, peer);
        var sink = new RecordingSink();
        client.Sink = sink;
        Assert.Equal(MediaSendStatus.NoSelectedAddress, client.Send(Rtp));

        IceTransportAddress selected = await client.ConnectAsync(Server, Candidates(listener), Ct).WaitAsync(Deadline, Ct);

        IceTransportAddress clientAddress = IceTransportAddress.FromIPEndPoint(client.LocalEndPoint);
        Assert.Equal(IceTransportAddress.FromIPEndPoint(listener.LocalEndPoint), selected);
        Assert.Equal(IceConnectionState.Connected, client.IceState);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Connected], states);
        Assert.True(client.TryGetSelectedRemote(out IceTransportAddress remote));
        Assert.Equal(selected, remote);
        peer.WaitSelected();                                                                          // USE-CANDIDATE reached the server
        Assert.Equal(clientAddress, peer.LastSelected);

        foreach ((PacketKind kind, byte[] datagram) in Datagrams())
        {
            Assert.Equal(MediaSendStatus.Sent, client.Send(datagram));
            var (receivedKind, data, from) = peer.NextPacket();
            Assert.Equal(kind, receivedKind);
            Assert.Equal(datagram, data);
            Assert.Equal(clientAddress, from);
        }
        foreach ((PacketKind kind, byte[] datagram) in Datagrams())
        {
            Assert.Equal(MediaSendStatus.Sent, handle.Send(datagram));
            var (receivedKind, data) = sink.Next();
            Assert.Equal(kind, receivedKind);
            Assert.Equal(datagram, data);
        }
        Assert.Equal(1, client.Counters.DtlsDelivered);
        Assert.Equal(1, client.Counters.RtpDelivered);
        Assert.Equal(1, client.Counters.RtcpDelivered);
        Assert.Equal(0, client.Counters.GetDropped(UdpDropReason.UnboundAddress));
    }

    [Fact]
    public async Task DatagramsFromOtherAddressesAreDroppedAndCounted()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        using var client = new UdpMediaClient(IPAddress.Loopback);
        MediaPeerHandle handle = listener.RegisterPeer(Server, client.LocalCredentials.Ufrag, new RecordingPeerListener());
        var sink = new RecordingSink();
        client.Sink = sink;
        using var stranger = new LoopbackClient(IPAddress.Loopback);

        stranger.Send(Rtp, client.LocalEndPoint);                                                     // before ICE: nothing is selected
        WaitFor(() => client.Counters.GetDropped(UdpDropReason.UnboundAddress) == 1, "the early datagram to be dropped");
        await client.ConnectAsync(Server, Candidates(listener), Ct).WaitAsync(Deadline, Ct);

        stranger.Send(Rtp, client.LocalEndPoint);
        stranger.Send(Dtls, client.LocalEndPoint);
        WaitFor(() => client.Counters.GetDropped(UdpDropReason.UnboundAddress) == 3, "the stranger's media to be dropped");
        long rejected = client.Counters.GetDropped(UdpDropReason.StunRejected);
        stranger.Send(ForgedResponse(), client.LocalEndPoint);                                        // answers no check of ours
        WaitFor(() => client.Counters.GetDropped(UdpDropReason.StunRejected) > rejected, "the forged response to be dropped");
        stranger.Send([0x40, 0x00], client.LocalEndPoint);                                            // RFC 7983: TURN channel range
        WaitFor(() => client.Counters.GetDropped(UdpDropReason.UnknownProtocol) == 1, "the unknown protocol to be dropped");

        Assert.Equal(0, sink.Pending);
        Assert.Equal(IceConnectionState.Connected, client.IceState);
        Assert.Equal(MediaSendStatus.Sent, handle.Send(Rtp));                                         // the server still gets through
        var (kind, data) = sink.Next();
        Assert.Equal(PacketKind.Rtp, kind);
        Assert.Equal(Rtp, data);
    }

    [Fact]
    public async Task ConnectFailsClearlyWhenTheServerDoesNotKnowTheUfrag()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        using var client = new UdpMediaClient(IPAddress.Loopback, iceOptions: FastFailure);

        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(
            () => client.ConnectAsync(Server, Candidates(listener), Ct).WaitAsync(Deadline, Ct));

        Assert.Equal(IceConnectionFailure.ChecksFailed, failure.Reason);
        Assert.Contains("1 timed out", failure.Message, StringComparison.Ordinal);
        Assert.Equal(IceConnectionState.Failed, client.IceState);
        Assert.Equal(MediaSendStatus.Closed, client.Send(Rtp));
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnknownUfrag) >= 1, "the server to drop the checks");
    }

    [Fact]
    public async Task ConnectFailsClearlyWhenThePasswordIsWrong()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        using var client = new UdpMediaClient(IPAddress.Loopback, iceOptions: FastFailure);
        MediaPeerHandle handle = listener.RegisterPeer(Server, client.LocalCredentials.Ufrag, new RecordingPeerListener());
        var wrongPassword = new IceCredentials(Server.Ufrag, "NotTheServerPassword0123");

        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(
            () => client.ConnectAsync(wrongPassword, Candidates(listener), Ct).WaitAsync(Deadline, Ct));

        Assert.Equal(IceConnectionFailure.ChecksFailed, failure.Reason);
        Assert.Equal(IceConnectionState.Failed, client.IceState);
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.BadMessageIntegrity) >= 1, "the server to drop the checks");
        Assert.False(handle.TryGetSelectedRemote(out _));
    }

    [Fact]
    public async Task ServerCandidateOfAnotherAddressFamilyIsSkipped()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        using var client = new UdpMediaClient(IPAddress.Loopback);
        listener.RegisterPeer(Server, client.LocalCredentials.Ufrag, new RecordingPeerListener());
        IceCandidate v4 = listener.Options.CreateHostCandidate(listener.LocalPort);
        IceCandidate v6 = v4 with { Address = "::1", Priority = v4.Priority + 1 };                    // checked first, unreachable

        IceTransportAddress selected = await client.ConnectAsync(Server, [v6, v4], Ct).WaitAsync(Deadline, Ct);

        Assert.Equal(IceTransportAddress.FromIPEndPoint(listener.LocalEndPoint), selected);
    }

    [Fact]
    public async Task DisposeFailsAPendingConnectAndStopsTheReceiveLoop()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var client = new UdpMediaClient(IPAddress.Loopback);                                          // the server never answers
        Task<IceTransportAddress> connect = client.ConnectAsync(Server, Candidates(listener), Ct);
        Assert.True(client.IsReceiving);

        client.Dispose();

        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(() => connect.WaitAsync(Deadline, Ct));
        Assert.Equal(IceConnectionFailure.Closed, failure.Reason);
        Assert.Equal(IceConnectionState.Closed, client.IceState);
        Assert.False(client.IsReceiving);
        Assert.Equal(MediaSendStatus.Closed, client.Send(Rtp));
        Assert.Throws<ObjectDisposedException>(() => { _ = client.ConnectAsync(Server, Candidates(listener), Ct); });
    }

    [Fact]
    public async Task HandlingDatagramsAllocatesNothing()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        using var client = new UdpMediaClient(IPAddress.Loopback);
        listener.RegisterPeer(Server, client.LocalCredentials.Ufrag, new RecordingPeerListener());
        client.Sink = new NullSink();
        await client.ConnectAsync(Server, Candidates(listener), Ct).WaitAsync(Deadline, Ct);
        SocketAddress server = listener.LocalEndPoint.Serialize();
        SocketAddress stranger = new IPEndPoint(IPAddress.Loopback, 9).Serialize();
        byte[] forged = ForgedResponse();
        byte[] turnChannel = [0x40, 0x00, 0x00, 0x00];

        void Round()
        {
            client.HandleDatagram(Dtls, server);
            client.HandleDatagram(Rtp, server);
            client.HandleDatagram(Rtcp, server);
            client.HandleDatagram(Rtp, stranger);
            client.HandleDatagram(forged, server);
            client.HandleDatagram(turnChannel, server);
        }

        for (int i = 0; i < 1000; i++) Round();                                                      // warm-up
        // As UdpMediaListenerAllocationTests: a per-datagram allocation shows in every window, the runtime's
        // rare one-off ones do not, so at least one of five windows must be clean.
        var windows = new List<long>();
        for (int window = 0; window < 5; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) Round();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (windows[^1] == 0) break;
        }
        Assert.True(windows[^1] == 0, "bytes allocated per window of 10,000 rounds: " + string.Join(", ", windows));
        Assert.Equal(0, client.Counters.GetDropped(UdpDropReason.InternalError));
    }

    private static IEnumerable<(PacketKind Kind, byte[] Datagram)> Datagrams() =>
        [(PacketKind.Dtls, Dtls), (PacketKind.Rtp, Rtp), (PacketKind.Rtcp, Rtcp)];

    private static UdpMediaListener NewListener(IPAddress loopback) =>
        new(new MediaPortOptions { BindAddress = loopback, Port = 0, AnnouncedAddress = loopback });

    private static IceCandidate[] Candidates(UdpMediaListener listener) => [listener.Options.CreateHostCandidate(listener.LocalPort)];

    private static IPAddress LoopbackOrSkip(string address)
    {
        IPAddress loopback = IPAddress.Parse(address);
        if (loopback.AddressFamily != AddressFamily.InterNetworkV6) return loopback;
        Assert.SkipUnless(Socket.OSSupportsIPv6, "IPv6 is not available");
        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(loopback, 0));
        }
        catch (SocketException)
        {
            Assert.Skip("::1 is not available");
        }
        return loopback;
    }

    /// <summary>A well-formed, server-keyed success response to a transaction the client never started.</summary>
    private static byte[] ForgedResponse()
    {
        var buffer = new byte[128];
        Assert.True(StunMessageWriter.TryCreate(buffer, StunMessageType.BindingSuccessResponse, Convert.FromHexString("0102030405060708090A0B0C"),
            out StunMessageWriter writer));
        Assert.True(writer.TryAppendXorMappedAddress([127, 0, 0, 1], 9));
        Assert.True(writer.TryAppendMessageIntegrity(Server.PasswordKey));
        Assert.True(writer.TryAppendFingerprint());
        return writer.Written.ToArray();
    }

    private static void WaitFor(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, Deadline), "timed out waiting for " + what);

    private sealed class NullSink : IMediaDatagramSink
    {
        public void OnDtls(Span<byte> datagram) { }

        public void OnRtp(Span<byte> datagram) { }

        public void OnRtcp(Span<byte> datagram) { }
    }

    /// <summary>Copies what the client delivers and lets the test wait for it (a semaphore per datagram, no sleeps).</summary>
    private sealed class RecordingSink : IMediaDatagramSink
    {
        private readonly ConcurrentQueue<(PacketKind Kind, byte[] Data)> _datagrams = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public int Pending => _datagrams.Count;

        public void OnDtls(Span<byte> datagram) => Record(PacketKind.Dtls, datagram);

        public void OnRtp(Span<byte> datagram) => Record(PacketKind.Rtp, datagram);

        public void OnRtcp(Span<byte> datagram) => Record(PacketKind.Rtcp, datagram);

        public (PacketKind Kind, byte[] Data) Next()
        {
            Assert.True(_arrived.Wait(Deadline), "no datagram reached the client's sink");
            Assert.True(_datagrams.TryDequeue(out var datagram));
            return datagram;
        }

        private void Record(PacketKind kind, ReadOnlySpan<byte> datagram)
        {
            _datagrams.Enqueue((kind, datagram.ToArray()));
            _arrived.Release();
        }
    }
}
