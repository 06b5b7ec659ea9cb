using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Stun;
using Conclave.Media.Transport.Tests.Ice;

namespace Conclave.Media.Transport.Tests.Net;

/// <summary>The single media port over real loopback UDP: RFC 8445 §7.3 checks routed by ufrag, RFC 7983 demux,
/// media routed by ICE-validated address, hostile input dropped and counted without affecting other peers.</summary>
public sealed class UdpMediaListenerTests
{
    private static readonly IceCredentials ServerA = new("srvA", "ServerPasswordA012345678");
    private static readonly IceCredentials ServerB = new("srvB", "ServerPasswordB012345678");
    private const string ClientUfragA = "brwA";
    private const string ClientUfragB = "brwB";

    // RFC 3550 §5.1: V=2, PT=96, seq 1, ts 0, SSRC 0xDEADBEEF, 4 payload bytes.
    private static readonly byte[] Rtp = Convert.FromHexString("806000010000000ADEADBEEF01020304");
    // RFC 3550 §6.4.2: V=2, RC=0, PT=201 (RR), length 1, SSRC.
    private static readonly byte[] Rtcp = Convert.FromHexString("80C90001DEADBEEF");
    // RFC 6347 §4.1: handshake record, DTLS 1.2 (FEFD), epoch 0, seq 0, length 4.
    private static readonly byte[] Dtls = Convert.FromHexString("16FEFD0000000000000000000401020304");

    private static UdpMediaListener NewListener(IPAddress loopback) =>
        new(new MediaPortOptions { BindAddress = loopback, Port = 0, AnnouncedAddress = loopback });

    private static byte[] Check(IceCredentials server, string clientUfrag, string? password = null, bool useCandidate = true) =>
        IceTestRequests.Build(new IceTestRequests.Options
        {
            Username = server.Ufrag + ":" + clientUfrag,                                               // RFC 8445 §7.2.2
            Password = password ?? server.Password,
            UseCandidate = useCandidate,
        });

    private static void WaitFor(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, RecordingPeerListener.Deadline), "timed out waiting for " + what);

    /// <summary>Sends a browser-style check and asserts an authenticated success response reflecting the client.</summary>
    private static void Connect(UdpMediaListener listener, LoopbackClient client, IceCredentials server, string clientUfrag)
    {
        long responsesBefore = listener.Counters.StunResponsesSent;
        client.Send(Check(server, clientUfrag), listener.LocalEndPoint);
        byte[] response = client.Receive();
        // The server counts a response after sending it, so the client can hold it before the count moves.
        WaitFor(() => listener.Counters.StunResponsesSent > responsesBefore, "the response to be counted");
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(response, out StunMessage message));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.MessageType);
        Assert.True(message.TransactionId.SequenceEqual(IceTestRequests.TransactionId));
        Span<byte> address = stackalloc byte[16];
        Assert.True(message.TryGetXorMappedAddress(address, out int addressLength, out ushort port));
        Assert.True(IceTransportAddress.TryCreate(address[..addressLength], port, out IceTransportAddress mapped));
        Assert.Equal(client.Address, mapped);                                                          // RFC 8445 §7.3.1.2
        Assert.Equal(StunIntegrityStatus.Ok, message.VerifyMessageIntegrity(server.PasswordKey));
        Assert.Equal(StunIntegrityStatus.Ok, message.VerifyFingerprint());
    }

    private static void AssertDelivered(RecordingPeerListener peer, PacketKind kind, byte[] expected, LoopbackClient from)
    {
        var (actualKind, data, remote) = peer.NextPacket();
        Assert.Equal(kind, actualKind);
        Assert.Equal(expected, data);
        Assert.Equal(from.Address, remote);
    }

    [Fact]
    public void BrowserCheckIsAnsweredAndNominatesTheClientAddress()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);

        Connect(listener, client, ServerA, ClientUfragA);

        peer.WaitSelected();
        Assert.Equal(client.Address, peer.LastSelected);
        Assert.True(handle.TryGetSelectedRemote(out IceTransportAddress selected));
        Assert.Equal(client.Address, selected);
        Assert.True(handle.Agent.HasConsent);
        Assert.Equal(1, listener.Counters.StunResponsesSent);
        Assert.Equal(0, listener.Counters.TotalDropped);
    }

    [Fact]
    public void DtlsRtpAndRtcpFromTheValidatedAddressReachThePeer()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);

        client.Send(Dtls, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Dtls, Dtls, client);
        client.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
        client.Send(Rtcp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtcp, Rtcp, client);

        Assert.Equal(1, listener.Counters.DtlsDelivered);
        Assert.Equal(1, listener.Counters.RtpDelivered);
        Assert.Equal(1, listener.Counters.RtcpDelivered);
    }

    [Fact]
    public void CheckWithoutUseCandidateValidatesTheAddressButSelectsNothing()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);

        client.Send(Check(ServerA, ClientUfragA, useCandidate: false), listener.LocalEndPoint);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(client.Receive(), out _));
        client.Send(Rtp, listener.LocalEndPoint);

        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
        Assert.False(handle.TryGetSelectedRemote(out _));
        Assert.Equal(MediaSendStatus.NoSelectedAddress, handle.Send(Rtp));
    }

    [Fact]
    public void MediaFromAnUnvalidatedAddressIsDroppedAndCounted()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        using var stranger = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);

        stranger.Send(Rtp, listener.LocalEndPoint);
        stranger.Send(Dtls, listener.LocalEndPoint);
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnboundAddress) == 2, "two unbound-address drops");

        client.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
        Assert.Equal(0, peer.PendingPackets);
    }

    [Fact]
    public void TwoPeersAreRoutedIndependently()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peerA = new RecordingPeerListener();
        var peerB = new RecordingPeerListener();
        listener.RegisterPeer(ServerA, ClientUfragA, peerA);
        listener.RegisterPeer(ServerB, ClientUfragB, peerB);
        using var clientA = new LoopbackClient(IPAddress.Loopback);
        using var clientB = new LoopbackClient(IPAddress.Loopback);

        Connect(listener, clientA, ServerA, ClientUfragA);
        Connect(listener, clientB, ServerB, ClientUfragB);
        byte[] rtpB = (byte[])Rtp.Clone();
        rtpB[^1] = 0xBB;
        clientA.Send(Rtp, listener.LocalEndPoint);
        clientB.Send(rtpB, listener.LocalEndPoint);

        AssertDelivered(peerA, PacketKind.Rtp, Rtp, clientA);
        AssertDelivered(peerB, PacketKind.Rtp, rtpB, clientB);
        Assert.Equal(0, peerA.PendingPackets);
        Assert.Equal(0, peerB.PendingPackets);
        Assert.Equal(2, listener.PeerCount);
    }

    [Fact]
    public void ServerSendsToTheSelectedAddress()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, new RecordingPeerListener());
        using var client = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);

        Assert.Equal(MediaSendStatus.Sent, handle.Send(Rtp));
        Assert.Equal(Rtp, client.Receive());
        Assert.Equal(MediaSendStatus.Sent, listener.SendTo(Dtls, client.Address));
        Assert.Equal(Dtls, client.Receive());
        Assert.Equal(MediaSendStatus.InvalidLength, handle.Send(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void RenominationFromASecondAddressMovesTheSelectedPair()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var first = new LoopbackClient(IPAddress.Loopback);
        using var second = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, first, ServerA, ClientUfragA);
        peer.WaitSelected();

        Connect(listener, second, ServerA, ClientUfragA);
        peer.WaitSelected();

        Assert.Equal(second.Address, peer.LastSelected);
        Assert.Equal(MediaSendStatus.Sent, handle.Send(Rtp));
        Assert.Equal(Rtp, second.Receive());
        first.Send(Rtp, listener.LocalEndPoint);                                                       // both stay validated
        AssertDelivered(peer, PacketKind.Rtp, Rtp, first);
    }

    public static TheoryData<string, UdpDropReason> Hostile => new()
    {
        { "truncated stun",           UdpDropReason.StunMalformed },
        { "stun bad magic cookie",    UdpDropReason.StunMalformed },
        { "unknown ufrag",            UdpDropReason.UnknownUfrag },
        { "wrong message integrity",  UdpDropReason.BadMessageIntegrity },
        { "missing message integrity", UdpDropReason.BadMessageIntegrity },
        { "wrong remote ufrag",       UdpDropReason.StunRejected },
        { "missing fingerprint",      UdpDropReason.StunRejected },
        { "stun without username",    UdpDropReason.StunNoUsername },
        { "turn channel first byte",  UdpDropReason.UnknownProtocol },
        { "single byte rtp",          UdpDropReason.UnknownProtocol },
        { "empty datagram",           UdpDropReason.UnknownProtocol },
        { "oversized rtp",            UdpDropReason.Oversized },
    };

    private static byte[] BuildHostile(string name)
    {
        byte[] check = Check(ServerA, ClientUfragA);
        switch (name)
        {
            case "truncated stun": return check[..30];
            case "stun bad magic cookie": check[4] ^= 0xFF; return check;
            case "unknown ufrag": return Check(new IceCredentials("nobody", ServerA.Password), ClientUfragA);
            case "wrong message integrity": return Check(ServerA, ClientUfragA, password: "WrongPassword0123456789x");
            case "missing message integrity":
                return IceTestRequests.Build(new IceTestRequests.Options { Username = ServerA.Ufrag + ":" + ClientUfragA, Integrity = false });
            case "wrong remote ufrag": return Check(ServerA, "evil");
            case "missing fingerprint":
                return IceTestRequests.Build(new IceTestRequests.Options { Username = ServerA.Ufrag + ":" + ClientUfragA, Password = ServerA.Password, Fingerprint = false });
            case "stun without username":
                return IceTestRequests.Build(new IceTestRequests.Options { IncludeUsername = false, Password = ServerA.Password });
            case "turn channel first byte": return Convert.FromHexString("4000000401020304");
            case "single byte rtp": return [0x80];
            case "empty datagram": return [];
            case "oversized rtp":
                byte[] big = new byte[MediaPortOptions.DefaultMaxDatagramLength + 1];
                Rtp.CopyTo(big, 0);
                return big;
            default: throw new ArgumentOutOfRangeException(nameof(name));
        }
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void HostileDatagramIsDroppedCountedAndHarmless(string name, UdpDropReason reason)
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        using var attacker = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);
        long responses = listener.Counters.StunResponsesSent;

        attacker.Send(BuildHostile(name), listener.LocalEndPoint);
        WaitFor(() => listener.Counters.GetDropped(reason) == 1, name);

        Assert.Equal(1, listener.Counters.TotalDropped);
        Assert.Equal(responses, listener.Counters.StunResponsesSent);                                  // nothing answered
        attacker.Send(Rtp, listener.LocalEndPoint);                                                    // and nothing bound
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnboundAddress) == 1, "unbound drop after " + name);
        client.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
        Assert.Equal(0, listener.Counters.GetDropped(UdpDropReason.InternalError));
    }

    [Fact]
    public void RandomBytesFromAFixedSeedAreAllDroppedWithoutInternalErrors()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        using var attacker = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);
        var random = new Random(7983);
        const int Count = 200;                                                                         // well inside the socket buffer

        for (int i = 0; i < Count; i++)
        {
            byte[] junk = new byte[random.Next(0, 200)];
            random.NextBytes(junk);
            if (i % 4 == 0 && junk.Length >= 20)
            {
                junk[0] = 0x00;                                                                        // steer a quarter into the STUN path
                junk[1] = 0x01;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(junk.AsSpan(4), StunMessage.MagicCookie);
            }
            attacker.Send(junk, listener.LocalEndPoint);
        }

        WaitFor(() => listener.Counters.TotalDropped == Count, "every random datagram dropped");
        Assert.Equal(0, listener.Counters.GetDropped(UdpDropReason.InternalError));
        client.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
    }

    [Fact]
    public void AThrowingListenerIsCountedAndDoesNotAffectOtherPeers()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var faulty = new RecordingPeerListener { Throw = true };
        var healthy = new RecordingPeerListener();
        MediaPeerHandle faultyHandle = listener.RegisterPeer(ServerA, ClientUfragA, faulty);
        listener.RegisterPeer(ServerB, ClientUfragB, healthy);
        using var clientA = new LoopbackClient(IPAddress.Loopback);
        using var clientB = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, clientA, ServerA, ClientUfragA);
        Connect(listener, clientB, ServerB, ClientUfragB);

        clientA.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(faulty, PacketKind.Rtp, Rtp, clientA);
        clientB.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(healthy, PacketKind.Rtp, Rtp, clientB);
        clientA.Send(Dtls, listener.LocalEndPoint);
        AssertDelivered(faulty, PacketKind.Dtls, Dtls, clientA);                                       // the loop carried on

        WaitFor(() => faultyHandle.ListenerFaults == 2, "two listener faults");
        Assert.Equal(2, listener.Counters.GetDropped(UdpDropReason.ListenerFault));
        Assert.Equal(0, listener.Counters.GetDropped(UdpDropReason.InternalError));
    }

    [Fact]
    public void UnregisteredPeerNoLongerReceivesAndItsUfragIsUnknown()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);

        listener.Unregister(handle);
        listener.Unregister(handle);                                                                   // idempotent
        client.Send(Rtp, listener.LocalEndPoint);
        client.Send(Check(ServerA, ClientUfragA), listener.LocalEndPoint);

        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnboundAddress) == 1, "unbound drop");
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnknownUfrag) == 1, "unknown ufrag drop");
        Assert.Equal(0, peer.PendingPackets);
        Assert.Equal(MediaSendStatus.Closed, handle.Send(Rtp));
        Assert.Equal(0, listener.PeerCount);
        listener.RegisterPeer(ServerA, ClientUfragA, new RecordingPeerListener());                     // the ufrag is free again
    }

    [Fact]
    public void DuplicateLocalUfragIsRefused()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        listener.RegisterPeer(ServerA, ClientUfragA, new RecordingPeerListener());
        Assert.Throws<InvalidOperationException>(() => listener.RegisterPeer(ServerA, ClientUfragB, new RecordingPeerListener()));
    }

    [Fact]
    public void RestartRoutesTheNewUfragAndForgetsTheOld()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);
        var restarted = new IceCredentials("srvR", "ServerPasswordR012345678");

        listener.RestartPeer(handle, restarted, "brwR");                                              // RFC 8445 §9

        Assert.Equal("srvR", handle.LocalUfrag);
        Connect(listener, client, restarted, "brwR");
        client.Send(Check(ServerA, ClientUfragA), listener.LocalEndPoint);
        WaitFor(() => listener.Counters.GetDropped(UdpDropReason.UnknownUfrag) == 1, "old ufrag unknown");
        client.Send(Rtp, listener.LocalEndPoint);
        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
    }

    [Fact]
    public void IPv6LoopbackWorksEndToEnd()
    {
        Assert.SkipUnless(Socket.OSSupportsIPv6, "IPv6 is not available");
        using UdpMediaListener listener = NewListener(IPAddress.IPv6Loopback);
        var peer = new RecordingPeerListener();
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, peer);
        using var client = new LoopbackClient(IPAddress.IPv6Loopback);

        Connect(listener, client, ServerA, ClientUfragA);
        client.Send(Rtp, listener.LocalEndPoint);

        AssertDelivered(peer, PacketKind.Rtp, Rtp, client);
        Assert.True(client.Address.IsIPv6);
        Assert.Equal(MediaSendStatus.Sent, handle.Send(Dtls));
        Assert.Equal(Dtls, client.Receive());
        Assert.Equal($"candidate:1 1 udp 2130706431 ::1 {listener.LocalPort} typ host", listener.HostCandidate);
    }

    [Fact]
    public void IPv6DestinationOnAnIPv4SocketIsRefused()
    {
        using UdpMediaListener listener = NewListener(IPAddress.Loopback);
        IceTransportAddress v6 = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("[::1]:5000"));
        Assert.Equal(MediaSendStatus.AddressFamilyMismatch, listener.SendTo(Rtp, v6));
    }

    [Fact]
    public void DisposeStopsTheReceiveLoopPromptly()
    {
        UdpMediaListener listener = NewListener(IPAddress.Loopback);
        MediaPeerHandle handle = listener.RegisterPeer(ServerA, ClientUfragA, new RecordingPeerListener());
        using var client = new LoopbackClient(IPAddress.Loopback);
        Connect(listener, client, ServerA, ClientUfragA);
        Assert.True(listener.IsReceiving);

        var stopwatch = Stopwatch.StartNew();
        listener.Dispose();
        stopwatch.Stop();

        Assert.False(listener.IsReceiving);
        Assert.True(stopwatch.Elapsed < UdpMediaListener.StopTimeout, $"Dispose took {stopwatch.Elapsed}");
        listener.Dispose();                                                                            // idempotent
        Assert.Equal(MediaSendStatus.Closed, handle.Send(Rtp));
        Assert.Throws<ObjectDisposedException>(() => listener.RegisterPeer(ServerB, ClientUfragB, new RecordingPeerListener()));
    }
}
