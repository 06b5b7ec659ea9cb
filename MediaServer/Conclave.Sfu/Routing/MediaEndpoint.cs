using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;

namespace Conclave.Sfu.Routing;

/// <summary>What every peer of this node shares: the UDP media port, the node's DTLS certificate (its fingerprint
/// goes into every answer) and the DTLS-SRTP settings.</summary>
public sealed record MediaEndpoint(UdpMediaListener Listener, DtlsCertificate Certificate, DtlsSrtpOptions DtlsOptions);
