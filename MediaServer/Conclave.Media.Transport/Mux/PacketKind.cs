namespace Conclave.Media.Transport.Mux;

/// <summary>What a datagram on the shared media port is, per RFC 7983 §7.</summary>
public enum PacketKind
{
    /// <summary>Not one of the protocols below (ZRTP, TURN channel, QUIC, empty or too short): drop.</summary>
    Unknown,
    /// <summary>First byte 0..3.</summary>
    Stun,
    /// <summary>First byte 20..63.</summary>
    Dtls,
    /// <summary>First byte 128..191 and payload type outside 192..223.</summary>
    Rtp,
    /// <summary>First byte 128..191 and packet type 192..223 (RFC 5761 §4).</summary>
    Rtcp,
}
