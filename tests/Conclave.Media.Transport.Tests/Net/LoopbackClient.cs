using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Net;

/// <summary>A browser stand-in: one UDP socket on a loopback address.</summary>
public sealed class LoopbackClient : IDisposable
{
    private readonly Socket _socket;                           // Owned

    public LoopbackClient(IPAddress loopback)
    {
        _socket = new Socket(loopback.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveTimeout = (int)RecordingPeerListener.Deadline.TotalMilliseconds,
        };
        _socket.Bind(new IPEndPoint(loopback, 0));
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public IceTransportAddress Address => IceTransportAddress.FromIPEndPoint(LocalEndPoint);

    public void Send(byte[] datagram, IPEndPoint server) => _socket.SendTo(datagram, server);

    /// <summary>Waits (up to the generous deadline) for one datagram.</summary>
    public byte[] Receive()
    {
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(LocalEndPoint.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        int length = _socket.ReceiveFrom(buffer, ref from);
        return buffer.AsSpan(0, length).ToArray();
    }

    public void Dispose() => _socket.Dispose();
}
