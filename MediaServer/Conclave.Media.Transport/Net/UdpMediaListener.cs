using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;

namespace Conclave.Media.Transport.Net;

/* One UDP port for every peer (mediasoup WebRtcServer, pion UDPMux):

     datagram --> length check --> RFC 7983 classify
                                    |-- STUN ---------> ufrag in USERNAME (IceUfragIndex) --> peer's IceLiteAgent
                                    |                    |  response sent back; an authenticated check binds
                                    |                    |  the source address to the peer, USE-CANDIDATE selects it
                                    |                    '- no USERNAME (RFC 8445 §11 indication): by bound address
                                    |-- DTLS/RTP/RTCP -> bound address table --> peer's IMediaPeerListener
                                    '-- anything else -> dropped and counted

   RFC 8445 §7.3: only an authenticated Binding request validates an address; DTLS and media from any other
   address are dropped, so a forged datagram can never reach a peer whose address it does not own. */
/// <summary>The single UDP media port: one socket, one dedicated receive thread, demultiplexing by ICE ufrag
/// and then by remote address. Hostile input is dropped and counted in <see cref="Counters"/>; nothing thrown
/// while handling one datagram (including by a peer's listener) leaves the receive loop or reaches another peer.
/// <para>Per datagram the loop allocates nothing: one reusable receive buffer, one reusable
/// <see cref="SocketAddress"/>, span lookups for ufrags, value-type address keys.</para></summary>
public sealed class UdpMediaListener : IDisposable
{
    /// <summary>Size of the reusable receive buffer: any UDP payload fits, so nothing is ever truncated silently.</summary>
    public const int ReceiveBufferLength = 65536;

    /// <summary>How long <see cref="Dispose"/> waits for the receive thread to finish.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private const int ResponseBufferLength = 512;

    [ThreadStatic] private static SocketAddress? t_sendAddressV4;
    [ThreadStatic] private static SocketAddress? t_sendAddressV6;

    // Passed by argument
    private readonly MediaPortOptions _options;
    private readonly TimeProvider _timeProvider;

    // Allocated by this
    private readonly UdpMediaSocket _socket;                  // Owned
    private readonly byte[] _responseBuffer = new byte[ResponseBufferLength];
    private readonly IceUfragIndex<MediaPeerHandle> _byUfrag = new();
    private readonly ConcurrentDictionary<IceTransportAddress, MediaPeerHandle> _byAddress = new();
    private readonly Lock _registryLock = new();

    /// <summary>Binds the socket and starts the receive thread.</summary>
    /// <param name="options">Port options; <see cref="MediaPortOptions.Validate"/> is called.</param>
    /// <param name="timeProvider">Clock for the agents' consent freshness; <see cref="TimeProvider.System"/> if null.</param>
    /// <exception cref="SocketException">The port could not be bound.</exception>
    public UdpMediaListener(MediaPortOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;

        var socket = new Socket(options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (options.BindAddress.Equals(IPAddress.IPv6Any)) socket.DualMode = true;               // IPv4 and IPv6 on one port
            if (options.SocketReceiveBufferSize > 0) socket.ReceiveBufferSize = options.SocketReceiveBufferSize;
            socket.Bind(new IPEndPoint(options.BindAddress, options.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = new UdpMediaSocket(socket, "media-udp-", options.MaxDatagramLength, Counters, OnDatagram);
    }

    /// <summary>The bound end point (the real port when <see cref="MediaPortOptions.Port"/> was 0).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>The bound UDP port.</summary>
    public int LocalPort => LocalEndPoint.Port;

    /// <summary>The options this listener was created with.</summary>
    public MediaPortOptions Options => _options;

    /// <summary>Per-reason drop counters and delivery counters.</summary>
    public UdpMediaListenerCounters Counters { get; } = new();

    /// <summary>Number of registered peers.</summary>
    public int PeerCount => _byUfrag.Count;

    /// <summary>The SDP host candidate for this port: <c>candidate:1 1 udp 2130706431 &lt;announced&gt; &lt;port&gt; typ host</c>.</summary>
    public string HostCandidate => _options.FormatHostCandidate(LocalPort);

    /// <summary>Registers a peer: checks whose USERNAME starts with <c>local.Ufrag</c> go to its new ICE-lite agent.</summary>
    /// <param name="local">Our credentials for this peer (announced in our SDP answer).</param>
    /// <param name="remoteUfrag">The peer's ice-ufrag from its offer.</param>
    /// <param name="listener">Receives the peer's DTLS, RTP and RTCP.</param>
    /// <exception cref="InvalidOperationException">Another peer already uses this local ufrag.</exception>
    public MediaPeerHandle RegisterPeer(IceCredentials local, string remoteUfrag, IMediaPeerListener listener)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(listener);
        ObjectDisposedException.ThrowIf(_socket.IsDisposed, this);
        var handle = new MediaPeerHandle(this, new IceLiteAgent(local, remoteUfrag, _timeProvider), listener);
        lock (_registryLock)
        {
            if (!_byUfrag.TryAdd(local.Ufrag, handle))
            {
                throw new InvalidOperationException($"The local ICE ufrag '{local.Ufrag}' is already registered.");
            }
        }
        return handle;
    }

    /// <summary>ICE restart (RFC 8445 §9): the peer is found by its new local ufrag from now on, and its agent
    /// accepts only the new credentials. Already validated addresses stay bound so media keeps flowing.</summary>
    /// <exception cref="InvalidOperationException">The new ufrag belongs to another peer, or the peer is unregistered.</exception>
    public void RestartPeer(MediaPeerHandle peer, IceCredentials newLocal, string newRemoteUfrag)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(newLocal);
        lock (_registryLock)
        {
            if (!peer.IsRegistered || !_byUfrag.TryGetValue(peer.LocalUfrag, out MediaPeerHandle? current) || current != peer)
            {
                throw new InvalidOperationException("The peer is not registered on this listener.");
            }
            bool sameUfrag = string.Equals(newLocal.Ufrag, peer.LocalUfrag, StringComparison.Ordinal);
            if (!sameUfrag && !_byUfrag.TryAdd(newLocal.Ufrag, peer))
            {
                throw new InvalidOperationException($"The local ICE ufrag '{newLocal.Ufrag}' is already registered.");
            }
            peer.Agent.Restart(newLocal, newRemoteUfrag);
            if (!sameUfrag) _byUfrag.TryRemove(peer.LocalUfrag);
            peer.LocalUfrag = newLocal.Ufrag;
        }
    }

    /// <summary>Removes a peer and unbinds its addresses. Idempotent. A datagram the receive thread is handling
    /// at this very moment may still be delivered; none after that.</summary>
    public void Unregister(MediaPeerHandle peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_registryLock)
        {
            if (!peer.IsRegistered) return;
            peer.Close();
            if (_byUfrag.TryGetValue(peer.LocalUfrag, out MediaPeerHandle? current) && current == peer)
            {
                _byUfrag.TryRemove(peer.LocalUfrag);
            }
            foreach (IceTransportAddress address in peer.BoundAddresses)
            {
                _byAddress.TryRemove(new KeyValuePair<IceTransportAddress, MediaPeerHandle>(address, peer));
            }
            peer.ClearBoundAddresses();
        }
    }

    /// <summary>Sends one datagram to <paramref name="remote"/> (a <see cref="SocketAddress"/> of this socket's
    /// family). Allocation-free; callable from any thread.</summary>
    public MediaSendStatus SendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return _socket.SendTo(datagram, remote);
    }

    /// <summary>Sends one datagram to <paramref name="remote"/>. Allocation-free after the first call on a thread.</summary>
    public MediaSendStatus SendTo(ReadOnlySpan<byte> datagram, in IceTransportAddress remote)
    {
        SocketAddress scratch = _socket.AddressFamily == AddressFamily.InterNetworkV6
            ? t_sendAddressV6 ??= SocketAddressWriter.Create(AddressFamily.InterNetworkV6)
            : t_sendAddressV4 ??= SocketAddressWriter.Create(AddressFamily.InterNetwork);
        if (!SocketAddressWriter.TryWrite(remote, scratch)) return MediaSendStatus.AddressFamilyMismatch;
        return SendTo(datagram, scratch);
    }

    /// <summary>Closes the socket and waits (up to <see cref="StopTimeout"/>) for the receive thread to end.
    /// Registered peers stop receiving and their sends return <see cref="MediaSendStatus.Closed"/>.</summary>
    public void Dispose() => _socket.Dispose();

    /// <summary>True while the receive thread runs (tests).</summary>
    internal bool IsReceiving => _socket.IsReceiving;

    /// <summary>Handles one received datagram from <paramref name="from"/>, as the receive loop does; internal so the
    /// allocation guard test can drive it on its own thread while the loop is idle.</summary>
    internal void HandleDatagram(Span<byte> datagram, SocketAddress from) => _socket.Handle(datagram, from);

    private void OnDatagram(PacketKind kind, Span<byte> datagram, in IceTransportAddress remote, SocketAddress from)
    {
        if (kind == PacketKind.Stun)
        {
            HandleStun(datagram, remote, from);
        }
        else
        {
            HandleMedia(kind, datagram, remote);
        }
    }

    private void HandleStun(ReadOnlySpan<byte> datagram, in IceTransportAddress remote, SocketAddress from)
    {
        switch (_byUfrag.Find(datagram, out MediaPeerHandle? peer))
        {
            case IceUfragLookupStatus.Found:
                break;
            case IceUfragLookupStatus.Malformed:
                Counters.Drop(UdpDropReason.StunMalformed);
                return;
            case IceUfragLookupStatus.UnknownUfrag:
                Counters.Drop(UdpDropReason.UnknownUfrag);                                            // RFC 8445 §7.3
                return;
            default:
                // RFC 8445 §11: keepalive indications carry no USERNAME; only a validated address may send them.
                if (!_byAddress.TryGetValue(remote, out peer))
                {
                    Counters.Drop(UdpDropReason.StunNoUsername);
                    return;
                }
                break;
        }
        if (!peer.IsRegistered)
        {
            Counters.Drop(UdpDropReason.UnknownUfrag);
            return;
        }

        IceRequestStatus status = peer.Agent.HandleBindingRequest(datagram, remote, _responseBuffer, out int responseLength);
        if (responseLength > 0 && SendTo(_responseBuffer.AsSpan(0, responseLength), from) == MediaSendStatus.Sent)
        {
            Counters.OnStunResponse();
        }
        switch (status)
        {
            case IceRequestStatus.Success:
                Bind(peer, remote);                                                                   // RFC 8445 §7.3: validated
                break;
            case IceRequestStatus.Nominated:
                Bind(peer, remote);
                OnNominated(peer, remote);                                                            // RFC 8445 §7.3.1.5
                break;
            case IceRequestStatus.RoleConflict:
            case IceRequestStatus.UnknownAttributes:
            case IceRequestStatus.Indication:
                break;                                                                                // answered or nothing to do
            case IceRequestStatus.MissingCredentials:
            case IceRequestStatus.BadMessageIntegrity:
                Counters.Drop(UdpDropReason.BadMessageIntegrity);                                     // RFC 8489 §9.1.3
                break;
            default:
                Counters.Drop(UdpDropReason.StunRejected);
                break;
        }
    }

    private void HandleMedia(PacketKind kind, Span<byte> datagram, in IceTransportAddress remote)
    {
        // RFC 8445 §7.3: DTLS and media only from an address this peer's ICE checks validated.
        if (!_byAddress.TryGetValue(remote, out MediaPeerHandle? peer) || !peer.IsRegistered)
        {
            Counters.Drop(UdpDropReason.UnboundAddress);
            return;
        }
        try
        {
            switch (kind)
            {
                case PacketKind.Dtls:
                    Counters.OnDtls();
                    peer.Listener.OnDtls(peer, datagram, remote);
                    break;
                case PacketKind.Rtp:
                    Counters.OnRtp();
                    peer.Listener.OnRtp(peer, datagram, remote);
                    break;
                default:
                    Counters.OnRtcp();
                    peer.Listener.OnRtcp(peer, datagram, remote);
                    break;
            }
        }
#pragma warning disable CA1031 // A peer's listener must not take the loop or other peers down.
        catch (Exception)
#pragma warning restore CA1031
        {
            Counters.Drop(UdpDropReason.ListenerFault);
            peer.OnListenerFault();
        }
    }

    private void Bind(MediaPeerHandle peer, in IceTransportAddress remote)
    {
        if (_byAddress.TryGetValue(remote, out MediaPeerHandle? existing) && existing == peer) return;   // steady state
        lock (_registryLock)
        {
            if (!peer.IsRegistered) return;
            if (_byAddress.TryGetValue(remote, out existing) && existing != peer)
            {
                existing.RemoveBoundAddress(remote);                                                  // newest authenticated owner wins
            }
            _byAddress[remote] = peer;
            if (peer.AddBoundAddress(remote, out IceTransportAddress evicted))
            {
                _byAddress.TryRemove(new KeyValuePair<IceTransportAddress, MediaPeerHandle>(evicted, peer));
            }
        }
    }

    private void OnNominated(MediaPeerHandle peer, in IceTransportAddress remote)
    {
        SocketAddress destination = SocketAddressWriter.Create(_socket.AddressFamily);               // once per nomination
        if (SocketAddressWriter.TryWrite(remote, destination)) peer.SetSelected(destination);
        try
        {
            peer.Listener.OnSelectedAddressChanged(peer, remote);
        }
#pragma warning disable CA1031 // A peer's listener must not take the loop or other peers down.
        catch (Exception)
#pragma warning restore CA1031
        {
            Counters.Drop(UdpDropReason.ListenerFault);
            peer.OnListenerFault();
        }
    }
}
