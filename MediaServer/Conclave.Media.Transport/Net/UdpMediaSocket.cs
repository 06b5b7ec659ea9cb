using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;

namespace Conclave.Media.Transport.Net;

/// <summary>One classified datagram: its RFC 7983 kind, its bytes (writable, valid during the call) and its source.</summary>
internal delegate void UdpMediaDatagramHandler(PacketKind kind, Span<byte> datagram, in IceTransportAddress remote, SocketAddress from);

/// <summary>The socket side shared by <see cref="UdpMediaListener"/> (server) and <see cref="UdpMediaClient"/>: a bound UDP
/// socket, one dedicated receive thread with one reusable buffer and <see cref="SocketAddress"/>, the length check and
/// RFC 7983 classification, and sends that count socket errors. Nothing thrown while handling one datagram leaves the
/// receive loop; per datagram nothing is allocated.</summary>
internal sealed class UdpMediaSocket : IDisposable
{
    private const int MaxUdpPayload = 65507;

    // Passed by argument
    private readonly UdpMediaListenerCounters _counters;
    private readonly UdpMediaDatagramHandler _handler;
    private readonly int _maxDatagramLength;

    // Allocated by this
    private readonly Socket _socket;                              // Owned
    private readonly Thread _receiveThread;
    private readonly byte[] _receiveBuffer = new byte[UdpMediaListener.ReceiveBufferLength];
    private readonly SocketAddress _remoteSocketAddress;
    private int _disposed;

    /// <summary>Takes over a bound socket and starts its receive thread.</summary>
    /// <param name="socket">A bound UDP socket; owned from now on.</param>
    /// <param name="threadName">Name prefix of the receive thread; the port is appended.</param>
    /// <param name="maxDatagramLength">Longer datagrams are dropped (<see cref="UdpDropReason.Oversized"/>).</param>
    /// <param name="counters">Where receives, drops and send errors are counted.</param>
    /// <param name="handler">Gets every datagram that passed the checks, on the receive thread.</param>
    public UdpMediaSocket(Socket socket, string threadName, int maxDatagramLength, UdpMediaListenerCounters counters, UdpMediaDatagramHandler handler)
    {
        _socket = socket;
        _counters = counters;
        _handler = handler;
        _maxDatagramLength = maxDatagramLength;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _remoteSocketAddress = SocketAddressWriter.Create(socket.AddressFamily);
        _receiveThread = new Thread(ReceiveLoop)
        {
            IsBackground = true,
            Name = threadName + LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture),
        };
        _receiveThread.Start();
    }

    /// <summary>The bound end point.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The socket's address family.</summary>
    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>True while the receive thread runs (tests).</summary>
    public bool IsReceiving => _receiveThread.IsAlive;

    /// <summary>Sends one datagram to <paramref name="destination"/>. Allocation-free; callable from any thread.</summary>
    public MediaSendStatus SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (datagram.IsEmpty || datagram.Length > MaxUdpPayload) return MediaSendStatus.InvalidLength;
        if (IsDisposed) return MediaSendStatus.Closed;
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
            return MediaSendStatus.Sent;
        }
        catch (SocketException)
        {
            _counters.OnSendError();
            return MediaSendStatus.SocketError;
        }
        catch (ObjectDisposedException)
        {
            return MediaSendStatus.Closed;
        }
    }

    /// <summary>Checks and classifies one datagram, then hands it on (RFC 7983 §7). Called by the receive loop;
    /// the owners' allocation guards drive it directly.</summary>
    public void Handle(Span<byte> datagram, SocketAddress from)
    {
        if (datagram.Length > _maxDatagramLength)
        {
            _counters.Drop(UdpDropReason.Oversized);
            return;
        }
        PacketKind kind = PacketDemux.Classify(datagram);
        if (kind == PacketKind.Unknown)
        {
            _counters.Drop(UdpDropReason.UnknownProtocol);
            return;
        }
        if (!IceTransportAddress.TryFromSocketAddress(from, out IceTransportAddress remote))
        {
            _counters.Drop(UdpDropReason.InternalError);
            return;
        }
        _handler(kind, datagram, remote, from);
    }

    /// <summary>Closes the socket and waits (up to <see cref="UdpMediaListener.StopTimeout"/>) for the receive thread.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _socket.Dispose();                                                                             // unblocks ReceiveFrom
        if (Thread.CurrentThread != _receiveThread) _receiveThread.Join(UdpMediaListener.StopTimeout);
    }

    private void ReceiveLoop()
    {
        while (!IsDisposed)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(_receiveBuffer, SocketFlags.None, _remoteSocketAddress);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                if (IsDisposed) return;
                _counters.OnReceiveError();                                                           // e.g. ICMP port unreachable
                continue;
            }

            if (IsDisposed) return;
            _counters.OnReceived();
            try
            {
                Handle(_receiveBuffer.AsSpan(0, length), _remoteSocketAddress);
            }
#pragma warning disable CA1031 // The receive loop must survive anything one datagram causes.
            catch (Exception)
#pragma warning restore CA1031
            {
                _counters.Drop(UdpDropReason.InternalError);
            }
        }
    }
}
