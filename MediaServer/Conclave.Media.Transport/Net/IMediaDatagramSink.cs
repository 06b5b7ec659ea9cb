namespace Conclave.Media.Transport.Net;

/// <summary>Where one connection's non-STUN datagrams go once ICE has validated their source, on the server
/// (from <see cref="UdpMediaListener"/> through the peer's <see cref="IMediaPeerListener"/>) and on the client
/// (from <see cref="UdpMediaClient"/>). Called on the receive thread, one datagram at a time; the span is valid
/// only during the call and may be modified in place (SRTP is unprotected there).</summary>
public interface IMediaDatagramSink
{
    /// <summary>A DTLS record (RFC 7983 first byte 20..63).</summary>
    void OnDtls(Span<byte> datagram);

    /// <summary>An SRTP packet (RFC 7983 first byte 128..191, RFC 5761 §4 payload type outside 192..223).</summary>
    void OnRtp(Span<byte> datagram);

    /// <summary>An SRTCP packet (packet type 192..223).</summary>
    void OnRtcp(Span<byte> datagram);
}
