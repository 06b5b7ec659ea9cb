using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Net;

/// <summary>Receives one peer's datagrams from <see cref="UdpMediaListener"/> (mediasoup-style upward listener).
/// <para>Every method is called on the listener's receive thread, one datagram at a time. The span points into the
/// shared receive buffer and is valid only for the duration of the call: copy what must be kept. It is writable so
/// SRTP can be unprotected in place (no copy per packet); nothing else reads it after the call. An exception thrown
/// here is caught and counted (<see cref="UdpDropReason.ListenerFault"/>); it never stops the receive loop or
/// affects other peers, but the callback should not throw or block.</para></summary>
public interface IMediaPeerListener
{
    /// <summary>A DTLS record (RFC 7983 first byte 20..63) from an ICE-validated address of this peer.</summary>
    void OnDtls(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote);

    /// <summary>An SRTP packet (first byte 128..191, RFC 5761 §4 payload type outside 192..223).</summary>
    void OnRtp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote);

    /// <summary>An SRTCP packet (first byte 128..191, packet type 192..223).</summary>
    void OnRtcp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote);

    /// <summary>The peer nominated a (new) pair with USE-CANDIDATE (RFC 8445 §7.3.1.5): outgoing media now goes to
    /// <paramref name="remote"/>.</summary>
    void OnSelectedAddressChanged(MediaPeerHandle peer, in IceTransportAddress remote);
}
