namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// Sends one DTLS datagram to the remote peer (the owner's UDP socket, ICE pair or an in-memory link). The span is
/// only valid for the duration of the call.
/// </summary>
public delegate void DtlsDatagramSendHandler(ReadOnlySpan<byte> datagram);
