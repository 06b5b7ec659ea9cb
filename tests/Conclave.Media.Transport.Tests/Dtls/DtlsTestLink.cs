using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// An in-memory datagram link: each transport's send callback enqueues into the other. A drop predicate per
/// direction sees the 0-based index of each datagram in that direction; an optional interferer runs before each
/// delivery with the receiving transport (to inject datagrams of its own) and the datagram about to arrive.
/// </summary>
internal sealed class DtlsTestLink
{
    private int _clientToServer;
    private int _serverToClient;

    public DtlsTestLink(
        Func<int, bool>? dropClientToServer = null, Func<int, bool>? dropServerToClient = null,
        DtlsTestInterferer? interfere = null)
    {
        Client = new QueueDatagramTransport(d =>
        {
            int index = Interlocked.Increment(ref _clientToServer) - 1;
            if (dropClientToServer?.Invoke(index) == true) { Interlocked.Increment(ref DroppedClientToServerCount); return; }
            interfere?.Invoke(Server!, d);
            Server!.Enqueue(d);
        });
        Server = new QueueDatagramTransport(d =>
        {
            int index = Interlocked.Increment(ref _serverToClient) - 1;
            if (dropServerToClient?.Invoke(index) == true) { Interlocked.Increment(ref DroppedServerToClientCount); return; }
            interfere?.Invoke(Client, d);
            Client.Enqueue(d);
        });
    }

    public QueueDatagramTransport Client { get; }
    public QueueDatagramTransport Server { get; }

    public int DroppedClientToServerCount;
    public int DroppedServerToClientCount;

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
}

/// <summary>Runs on the sending handshake's thread before <paramref name="datagram"/> reaches <paramref name="receiver"/>.</summary>
internal delegate void DtlsTestInterferer(QueueDatagramTransport receiver, ReadOnlySpan<byte> datagram);
