using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Sfu.Metrics;

namespace Conclave.Sfu.Routing;

/// <summary>What every peer of this node shares: the UDP media port, the node's DTLS certificate (its fingerprint
/// goes into every answer) and the DTLS-SRTP settings.</summary>
/// <param name="SendDecorator">Wraps each peer's datagram path; null (production) sends as is. Tests use it to lose
/// packets toward one participant.</param>
/// <param name="InboundObserver">Sees every RTP packet publishers send, after SRTP unprotect (a diagnostics hook);
/// null (production) costs one null check per packet. Tests use it to check that media is end-to-end encrypted.</param>
public sealed record MediaEndpoint(UdpMediaListener Listener, DtlsCertificate Certificate, DtlsSrtpOptions DtlsOptions,
    PeerSendDecorator? SendDecorator = null, IInboundRtpObserver? InboundObserver = null)
{
    /// <summary>What this node's SFU forwards, over every router on the port.</summary>
    public ForwardingStatistics Statistics { get; } = new();
}

/// <summary>Returns the sender to use for <paramref name="participantId"/>'s datagrams, given the real one.</summary>
public delegate MediaDatagramSender PeerSendDecorator(string participantId, MediaDatagramSender send);
