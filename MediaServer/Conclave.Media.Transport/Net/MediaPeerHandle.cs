using System.Net;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Net;

/// <summary>One peer registered on a <see cref="UdpMediaListener"/>: its ICE-lite agent (owned here, so the
/// receive loop answers checks without a round trip through the listener), its upward
/// <see cref="IMediaPeerListener"/>, and the remote addresses its ICE checks validated.
/// <para>Returned by <see cref="UdpMediaListener.RegisterPeer"/>; <see cref="Send"/> may be called from any thread.</para></summary>
public sealed class MediaPeerHandle
{
    /// <summary>At most this many remote addresses are bound to one peer (one per candidate pair the browser checks);
    /// the oldest non-selected one is unbound to make room.</summary>
    public const int MaxBoundAddresses = 8;

    // Passed by argument
    private readonly UdpMediaListener _owner;                 // Borrowed

    // Allocated by this; the bound-address list is only touched under the owner's registry lock.
    private readonly IceTransportAddress[] _bound = new IceTransportAddress[MaxBoundAddresses];
    private int _boundCount;
    private volatile SocketAddress? _selectedSocketAddress;
    private volatile bool _registered = true;
    private long _listenerFaults;

    internal MediaPeerHandle(UdpMediaListener owner, IceLiteAgent agent, IMediaPeerListener listener)
    {
        _owner = owner;
        Agent = agent;
        Listener = listener;
        LocalUfrag = agent.LocalCredentials.Ufrag;
    }

    /// <summary>The ICE-lite agent answering this peer's checks (consent, selected pair, restart state).</summary>
    public IceLiteAgent Agent { get; }

    /// <summary>Where this peer's datagrams go.</summary>
    public IMediaPeerListener Listener { get; }

    /// <summary>The local ufrag this peer is registered under (changes on <see cref="UdpMediaListener.RestartPeer"/>).</summary>
    public string LocalUfrag { get; internal set; }

    /// <summary>False once unregistered: nothing is delivered or sent any more.</summary>
    public bool IsRegistered => _registered;

    /// <summary>Exceptions thrown by <see cref="Listener"/> and swallowed by the receive loop.</summary>
    public long ListenerFaults => Interlocked.Read(ref _listenerFaults);

    /// <summary>The nominated remote address, once the peer sent USE-CANDIDATE.</summary>
    public bool TryGetSelectedRemote(out IceTransportAddress remote) => Agent.TryGetSelectedRemote(out remote);

    /// <summary>Sends one datagram (DTLS, SRTP, SRTCP) to the selected remote address. Allocation-free.</summary>
    public MediaSendStatus Send(ReadOnlySpan<byte> datagram)
    {
        if (!_registered) return MediaSendStatus.Closed;
        SocketAddress? destination = _selectedSocketAddress;
        if (destination is null) return MediaSendStatus.NoSelectedAddress;
        return _owner.SendTo(datagram, destination);
    }

    internal int BoundAddressCount => Volatile.Read(ref _boundCount);

    internal void OnListenerFault() => Interlocked.Increment(ref _listenerFaults);

    internal void Close() => _registered = false;

    // Publishes a new immutable SocketAddress (one allocation per nomination, never per packet).
    internal void SetSelected(SocketAddress destination) => _selectedSocketAddress = destination;

    /// <summary>Adds <paramref name="remote"/>; when full, evicts the oldest address that is not the selected one.</summary>
    internal bool AddBoundAddress(in IceTransportAddress remote, out IceTransportAddress evicted)
    {
        evicted = default;
        if (IndexOfBound(remote) >= 0) return false;
        bool didEvict = false;
        if (_boundCount == MaxBoundAddresses)
        {
            bool hasSelected = Agent.TryGetSelectedRemote(out IceTransportAddress selected);
            int victim = hasSelected && _bound[0] == selected ? 1 : 0;
            evicted = _bound[victim];
            RemoveAt(victim);
            didEvict = true;
        }
        _bound[_boundCount] = remote;
        Volatile.Write(ref _boundCount, _boundCount + 1);
        return didEvict;
    }

    internal void RemoveBoundAddress(in IceTransportAddress remote)
    {
        int index = IndexOfBound(remote);
        if (index >= 0) RemoveAt(index);
    }

    internal ReadOnlySpan<IceTransportAddress> BoundAddresses => _bound.AsSpan(0, _boundCount);

    internal void ClearBoundAddresses() => Volatile.Write(ref _boundCount, 0);

    private int IndexOfBound(in IceTransportAddress remote)
    {
        for (int i = 0; i < _boundCount; i++)
        {
            if (_bound[i] == remote) return i;
        }
        return -1;
    }

    private void RemoveAt(int index)
    {
        Array.Copy(_bound, index + 1, _bound, index, _boundCount - index - 1);
        Volatile.Write(ref _boundCount, _boundCount - 1);
    }
}
