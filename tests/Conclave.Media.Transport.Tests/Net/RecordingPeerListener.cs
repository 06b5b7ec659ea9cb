using System.Collections.Concurrent;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Net;

namespace Conclave.Media.Transport.Tests.Net;

/// <summary>Copies what a peer receives and lets tests wait for it (no sleeps: a semaphore per event).</summary>
public sealed class RecordingPeerListener : IMediaPeerListener
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<(PacketKind Kind, byte[] Data, IceTransportAddress Remote)> _packets = new();
    private readonly SemaphoreSlim _packetArrived = new(0);
    private readonly SemaphoreSlim _selected = new(0);

    /// <summary>When set, every packet callback throws after recording.</summary>
    public bool Throw { get; set; }

    public IceTransportAddress? LastSelected { get; private set; }

    public void OnDtls(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => Record(PacketKind.Dtls, datagram, remote);

    public void OnRtp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => Record(PacketKind.Rtp, datagram, remote);

    public void OnRtcp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => Record(PacketKind.Rtcp, datagram, remote);

    public void OnSelectedAddressChanged(MediaPeerHandle peer, in IceTransportAddress remote)
    {
        LastSelected = remote;
        _selected.Release();
    }

    public (PacketKind Kind, byte[] Data, IceTransportAddress Remote) NextPacket()
    {
        Assert.True(_packetArrived.Wait(Deadline), "no packet reached the peer listener");
        Assert.True(_packets.TryDequeue(out var packet));
        return packet;
    }

    public void WaitSelected() => Assert.True(_selected.Wait(Deadline), "no OnSelectedAddressChanged");

    public int PendingPackets => _packets.Count;

    private void Record(PacketKind kind, ReadOnlySpan<byte> datagram, IceTransportAddress remote)
    {
        _packets.Enqueue((kind, datagram.ToArray(), remote));
        _packetArrived.Release();
        if (Throw) throw new InvalidOperationException("listener failure (test)");
    }
}
