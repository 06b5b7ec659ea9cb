using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Net;

/* The .NET client's end of one media connection (the counterpart of one peer on UdpMediaListener):

     datagram --> length check --> RFC 7983 classify
                                    |-- STUN ---------> IceControllingAgent.HandleStun (answers to our checks)
                                    |-- DTLS/RTP/RTCP -> from the selected remote? --> IMediaDatagramSink
                                    '-- anything else or from elsewhere ---------------> dropped and counted

   RFC 8445 §7.2.5.2.1 / RFC 7675 §5.1: only the address ICE selected (and the peer consented on) may feed the
   sink; DTLS and media from any other address are dropped, so a forged datagram never reaches DTLS or SRTP. */
/// <summary>The client's UDP media socket: bound to an ephemeral port on one local address (IPv4 or IPv6), one
/// dedicated receive thread, ICE as the controlling agent against the server's ICE-lite port, then DTLS, SRTP and
/// SRTCP with the selected server address. Hostile input is dropped and counted in <see cref="Counters"/>; nothing
/// thrown while handling one datagram (by the sink included) leaves the receive loop.
/// <para>Per datagram the loop allocates nothing: one reusable receive buffer and <see cref="SocketAddress"/>,
/// value-type address comparison, an allocation-free ICE response path.</para>
/// <para>Use: construct (announce <see cref="LocalCredentials"/> and <see cref="LocalEndPoint"/> in the offer), set
/// <see cref="Sink"/>, <see cref="ConnectAsync"/> with the answer's credentials and candidates, then
/// <see cref="Send"/>. One connection per instance: after a failure or consent loss, create a new one.</para></summary>
public sealed class UdpMediaClient : IDisposable
{
    /// <summary>How long <see cref="Dispose"/> waits for the receive thread to finish.</summary>
    public static readonly TimeSpan StopTimeout = UdpMediaListener.StopTimeout;


    // Passed by argument
    private readonly IceControllingAgentOptions? _iceOptions;
    private readonly TimeProvider? _timeProvider;

    // Allocated by this
    private readonly UdpMediaSocket _socket;                  // Owned
    private readonly SocketAddress _stunDestination;          // only used by the agent's sender, which the agent serialises
    private IceControllingAgent? _agent;                      // Owned; set once by ConnectAsync
    private volatile IMediaDatagramSink? _sink;               // Borrowed
    // The selected remote is written once, before the volatile socket address publishes it; null means nowhere to send.
    private IceTransportAddress _selectedRemote;
    private volatile SocketAddress? _selectedSocketAddress;
    private int _disposed;                                    // also stops ICE before the socket closes

    /// <summary>Binds a UDP socket to an ephemeral port on <paramref name="localAddress"/> and starts the receive thread.</summary>
    /// <param name="localAddress">A specific IPv4 or IPv6 address (127.0.0.1 or ::1 in tests). Only server
    /// candidates of the same address family can be reached.</param>
    /// <param name="localCredentials">Our ICE credentials for the offer; fresh random ones if null.</param>
    /// <param name="iceOptions">Connectivity-check timing; defaults if null.</param>
    /// <param name="timeProvider">Clock for ICE and consent; <see cref="TimeProvider.System"/> if null.</param>
    /// <exception cref="SocketException">The socket could not be bound.</exception>
    public UdpMediaClient(IPAddress localAddress, IceCredentials? localCredentials = null, IceControllingAgentOptions? iceOptions = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        if (localAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("The local address must be IPv4 or IPv6.", nameof(localAddress));
        }
        iceOptions?.Validate();
        LocalCredentials = localCredentials ?? IceCredentials.Generate();
        _iceOptions = iceOptions;
        _timeProvider = timeProvider;

        var socket = new Socket(localAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _stunDestination = SocketAddressWriter.Create(socket.AddressFamily);
        _socket = new UdpMediaSocket(socket, "media-client-udp-", MediaPortOptions.DefaultMaxDatagramLength, Counters, OnDatagram);
    }

    /// <summary>Raised after every ICE state change (<see cref="IceControllingAgent.StateChanged"/>), once this client
    /// has updated where <see cref="Send"/> goes. Called on the receive thread, a timer thread or the disposing thread.</summary>
    public event EventHandler<IceConnectionState>? IceStateChanged;

    /// <summary>The bound end point (the host candidate to put in the offer).</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Our ICE credentials (the offer's ice-ufrag and ice-pwd).</summary>
    public IceCredentials LocalCredentials { get; }

    /// <summary>Where DTLS, RTP and RTCP from the selected server address go. May be set (or replaced) at any time,
    /// typically by the DTLS-SRTP connection built on this client, before <see cref="ConnectAsync"/>; datagrams that
    /// arrive while it is null are dropped and counted as <see cref="UdpDropReason.UnboundAddress"/>. Called on
    /// the receive thread; an exception it throws is counted as <see cref="UdpDropReason.ListenerFault"/>.</summary>
    public IMediaDatagramSink? Sink
    {
        get => _sink;
        set => _sink = value;
    }

    /// <summary>Receive and drop counters. Drop reasons mean, for this socket: <see cref="UdpDropReason.UnknownProtocol"/>,
    /// <see cref="UdpDropReason.Oversized"/> (over <see cref="MediaPortOptions.DefaultMaxDatagramLength"/>) and
    /// <see cref="UdpDropReason.StunMalformed"/> as on the server; <see cref="UdpDropReason.StunRejected"/> a STUN
    /// message that answers none of our checks (unknown transaction, no or bad FINGERPRINT, a request);
    /// <see cref="UdpDropReason.BadMessageIntegrity"/> an answer not keyed with the server's password;
    /// <see cref="UdpDropReason.UnboundAddress"/> DTLS or media from anywhere but the selected server address (or
    /// with no <see cref="Sink"/>); <see cref="UdpDropReason.ListenerFault"/> the sink threw.
    /// <see cref="UdpMediaListenerCounters.StunResponsesSent"/> stays 0: the client answers no checks.</summary>
    public UdpMediaListenerCounters Counters { get; } = new();

    /// <summary>The ICE state: <see cref="IceConnectionState.New"/> until <see cref="ConnectAsync"/>.</summary>
    public IceConnectionState IceState => Volatile.Read(ref _agent)?.State ?? IceConnectionState.New;

    /// <summary>The selected server address, while <see cref="Send"/> can reach it.</summary>
    public bool TryGetSelectedRemote(out IceTransportAddress remote)
    {
        bool selected = _selectedSocketAddress is not null;
        remote = selected ? _selectedRemote : default;
        return selected;
    }

    /// <summary>Runs ICE against the server's answer and completes with the selected server address; from then on
    /// <see cref="Send"/> works and the sink receives. Callable once.</summary>
    /// <param name="remoteCredentials">The answer's ice-ufrag and ice-pwd.</param>
    /// <param name="remoteCandidates">The answer's candidates (UDP, component 1, IP address; others ignored).</param>
    /// <param name="cancellationToken">Cancels the checks; the connection is then closed.</param>
    /// <exception cref="IceConnectionException">(in the task) No usable candidate, every check failed, or disposed.</exception>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    public Task<IceTransportAddress> ConnectAsync(IceCredentials remoteCredentials, IReadOnlyList<IceCandidate> remoteCandidates,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteCredentials);
        ArgumentNullException.ThrowIfNull(remoteCandidates);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var agent = new IceControllingAgent(LocalCredentials, remoteCredentials, SendStun, _iceOptions, _timeProvider);
        agent.StateChanged += OnIceStateChanged;
        if (Interlocked.CompareExchange(ref _agent, agent, null) is not null)
        {
            agent.Dispose();
            throw new InvalidOperationException("ConnectAsync runs once per client; create a new client to connect again.");
        }
        if (Volatile.Read(ref _disposed) != 0) agent.Dispose();                                      // raced with Dispose: ConnectAsync throws
        return agent.ConnectAsync(remoteCandidates, cancellationToken);
    }

    /// <summary>Sends one datagram (DTLS, SRTP, SRTCP) to the selected server address. Thread-safe, allocation-free.</summary>
    /// <returns><see cref="MediaSendStatus.NoSelectedAddress"/> before ICE selected a pair;
    /// <see cref="MediaSendStatus.Closed"/> once disposed, or once ICE failed or consent was lost (RFC 7675 §5.1:
    /// transmission must cease).</returns>
    public MediaSendStatus Send(ReadOnlySpan<byte> datagram)
    {
        if (Volatile.Read(ref _disposed) != 0) return MediaSendStatus.Closed;
        SocketAddress? destination = _selectedSocketAddress;
        if (destination is null)
        {
            return IceState is IceConnectionState.Failed or IceConnectionState.ConsentLost or IceConnectionState.Closed
                ? MediaSendStatus.Closed
                : MediaSendStatus.NoSelectedAddress;
        }
        return _socket.SendTo(datagram, destination);
    }

    /// <summary>Stops ICE (a pending <see cref="ConnectAsync"/> fails with <see cref="IceConnectionFailure.Closed"/>),
    /// closes the socket and waits (up to <see cref="StopTimeout"/>) for the receive thread to end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _selectedSocketAddress = null;
        Volatile.Read(ref _agent)?.Dispose();
        _socket.Dispose();
    }

    /// <summary>True while the receive thread runs (tests).</summary>
    internal bool IsReceiving => _socket.IsReceiving;

    private void OnIceStateChanged(object? sender, IceConnectionState state)
    {
        var agent = (IceControllingAgent)sender!;
        if (state == IceConnectionState.Connected && agent.TryGetSelectedPair(out IceTransportAddress remote, out _))
        {
            // Once per connection: a dedicated SocketAddress, so every Send reuses it without allocating.
            SocketAddress destination = SocketAddressWriter.Create(_socket.AddressFamily);
            if (SocketAddressWriter.TryWrite(remote, destination) && Volatile.Read(ref _disposed) == 0)
            {
                _selectedRemote = remote;
                _selectedSocketAddress = destination;
            }
        }
        else if (state != IceConnectionState.Checking)
        {
            _selectedSocketAddress = null;                                                            // RFC 7675 §5.1: cease transmission
        }
        IceStateChanged?.Invoke(this, state);
    }

    // The agent's sender: the agent calls it under its lock, so the one scratch destination is never shared.
    private bool SendStun(ReadOnlySpan<byte> datagram, in IceTransportAddress destination)
    {
        if (!SocketAddressWriter.TryWrite(destination, _stunDestination)) return false;             // another address family: unreachable
        return _socket.SendTo(datagram, _stunDestination) is MediaSendStatus.Sent or MediaSendStatus.SocketError;
    }

    /// <summary>Handles one received datagram from <paramref name="from"/>, as the receive loop does; internal so an
    /// allocation guard can drive it on its own thread.</summary>
    internal void HandleDatagram(Span<byte> datagram, SocketAddress from) => _socket.Handle(datagram, from);

    private void OnDatagram(PacketKind kind, Span<byte> datagram, in IceTransportAddress remote, SocketAddress from)
    {
        if (kind == PacketKind.Stun)
        {
            HandleStun(datagram, remote);
        }
        else
        {
            HandleMedia(kind, datagram, remote);
        }
    }

    private void HandleStun(ReadOnlySpan<byte> datagram, in IceTransportAddress remote)
    {
        IceControllingAgent? agent = Volatile.Read(ref _agent);
        if (agent is null)
        {
            Counters.Drop(UdpDropReason.StunRejected);                                                // no check sent yet
            return;
        }
        switch (agent.HandleStun(datagram, remote))
        {
            case IceResponseStatus.Success:
            case IceResponseStatus.ErrorResponse:
            case IceResponseStatus.Asymmetric:
            case IceResponseStatus.MissingMappedAddress:
                break;                                                                                // authenticated: the agent acted on it
            case IceResponseStatus.Malformed:
                Counters.Drop(UdpDropReason.StunMalformed);
                break;
            case IceResponseStatus.BadMessageIntegrity:
                Counters.Drop(UdpDropReason.BadMessageIntegrity);                                     // RFC 8489 §9.1.4
                break;
            default:
                Counters.Drop(UdpDropReason.StunRejected);
                break;
        }
    }

    private void HandleMedia(PacketKind kind, Span<byte> datagram, in IceTransportAddress remote)
    {
        // RFC 8445 §7.2.5.2.1 / RFC 7675 §5.1: DTLS and media only from the selected, consenting server address.
        IMediaDatagramSink? sink = _sink;
        if (_selectedSocketAddress is null || remote != _selectedRemote || sink is null)
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
                    sink.OnDtls(datagram);
                    break;
                case PacketKind.Rtp:
                    Counters.OnRtp();
                    sink.OnRtp(datagram);
                    break;
                default:
                    Counters.OnRtcp();
                    sink.OnRtcp(datagram);
                    break;
            }
        }
#pragma warning disable CA1031 // The sink must not take the receive loop down.
        catch (Exception)
#pragma warning restore CA1031
        {
            Counters.Drop(UdpDropReason.ListenerFault);
        }
    }
}
