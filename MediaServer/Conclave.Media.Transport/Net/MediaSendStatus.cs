namespace Conclave.Media.Transport.Net;

/// <summary>Outcome of a send on the media port.</summary>
public enum MediaSendStatus
{
    /// <summary>Handed to the kernel.</summary>
    Sent,
    /// <summary>The peer has not nominated a pair yet (no USE-CANDIDATE), so there is nowhere to send.</summary>
    NoSelectedAddress,
    /// <summary>An IPv6 destination on a socket bound to IPv4.</summary>
    AddressFamilyMismatch,
    /// <summary>The datagram is empty or larger than a UDP payload can be.</summary>
    InvalidLength,
    /// <summary>The socket refused the datagram (buffer full, unreachable); counted in <see cref="UdpMediaListenerCounters.SendErrors"/>.</summary>
    SocketError,
    /// <summary>The peer is unregistered or the listener disposed.</summary>
    Closed,
    /// <summary>DTLS-SRTP has no keys yet (handshake running or failed), so media cannot be protected.</summary>
    NotConnected,
    /// <summary>SRTP refused to protect the packet (malformed RTP, no room for the tag, keys exhausted).</summary>
    ProtectFailed,
}
