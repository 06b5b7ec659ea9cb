namespace Conclave.Media.Transport.Dtls;

/// <summary>What a <see cref="DtlsSrtpTransport"/> reports upward (to an SFU peer, the echo endpoint, the .NET client).
/// <para><see cref="OnRtp"/> and <see cref="OnRtcp"/> run on the receive thread with a span valid only during the call
/// (it may be modified in place); <see cref="OnConnected"/> and <see cref="OnClosed"/> run on the DTLS thread. None of
/// them should block or throw.</para></summary>
public interface IDtlsSrtpTransportHandler
{
    /// <summary>The handshake finished: SRTP keys are in place and <see cref="DtlsSrtpTransport.SendRtp"/> works.</summary>
    void OnConnected(DtlsSrtpTransport transport);

    /// <summary>One authenticated, decrypted RTP packet (RFC 3711 §3.3), header included.</summary>
    void OnRtp(DtlsSrtpTransport transport, Span<byte> packet);

    /// <summary>One authenticated, decrypted RTCP compound packet (RFC 3711 §3.4), SRTCP trailer removed.</summary>
    void OnRtcp(DtlsSrtpTransport transport, Span<byte> packet);

    /// <summary>The transport ended: handshake failure, close_notify or fatal alert from the peer, or disposal.
    /// Called once.</summary>
    void OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail);
}

/// <summary>Why a <see cref="DtlsSrtpTransport"/> ended.</summary>
public enum DtlsSrtpCloseReason
{
    /// <summary>The handshake failed (<see cref="DtlsSrtpTransport.HandshakeFailure"/> says how).</summary>
    HandshakeFailed,

    /// <summary>The peer closed the DTLS association (close_notify or a fatal alert, RFC 5246 §7.2).</summary>
    ClosedByPeer,

    /// <summary>Our side disposed the transport.</summary>
    Disposed,
}
