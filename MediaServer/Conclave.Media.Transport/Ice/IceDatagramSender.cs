namespace Conclave.Media.Transport.Ice;

/// <summary>Sends one STUN datagram for an <see cref="IceControllingAgent"/> from its (single) local base to
/// <paramref name="destination"/>. The agent never calls it concurrently (it holds its own lock while sending) and
/// the span is valid only during the call. Must not throw or block.</summary>
/// <returns>False when the destination can never be reached from this base (another address family, a closed
/// socket): the check fails at once (RFC 8445 §7.2.5.2). A transient error (a full buffer) should return true; the
/// retransmission timer covers it like a lost datagram.</returns>
public delegate bool IceDatagramSender(ReadOnlySpan<byte> datagram, in IceTransportAddress destination);
