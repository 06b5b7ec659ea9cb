namespace Conclave.Media.Transport.Net;

/// <summary>Sends one datagram to a connection's selected remote address (<see cref="MediaPeerHandle.Send"/> on the
/// server, <c>UdpMediaClient.Send</c> on the client). Must not allocate or block.</summary>
public delegate MediaSendStatus MediaDatagramSender(ReadOnlySpan<byte> datagram);
