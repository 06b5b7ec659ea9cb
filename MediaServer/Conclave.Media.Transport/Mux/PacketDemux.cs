namespace Conclave.Media.Transport.Mux;

/* RFC 7983 §7: the first byte tells the protocols apart
                   +----------------+
                   |        [0..3] -+--> forward to STUN
                   |                |
                   |      [16..19] -+--> forward to ZRTP
                   |                |
       packet -->  |      [20..63] -+--> forward to DTLS
                   |                |
                   |      [64..79] -+--> forward to TURN Channel
                   |                |
                   |    [128..191] -+--> forward to RTP/RTCP
                   +----------------+
   RFC 5761 §4: with rtcp-mux, RTP payload types 64..95 are avoided so that the second byte of an RTCP
   packet (the packet type, 192..223 with the marker bit included) never collides with an RTP one. */
/// <summary>Classifies datagrams arriving on the single media port. Pure, allocation-free.</summary>
public static class PacketDemux
{
    /// <summary>Bytes needed to tell RTP from RTCP.</summary>
    public const int MinimumRtpLength = 2;

    /// <summary>Classifies <paramref name="packet"/> by its first (and for RTP/RTCP second) byte.</summary>
    public static PacketKind Classify(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty) return PacketKind.Unknown;
        byte first = packet[0];
        if (first <= 3) return PacketKind.Stun;
        if (first is >= 20 and <= 63) return PacketKind.Dtls;
        if (first is >= 128 and <= 191)
        {
            if (packet.Length < MinimumRtpLength) return PacketKind.Unknown;
            return packet[1] is >= 192 and <= 223 ? PacketKind.Rtcp : PacketKind.Rtp;
        }
        return PacketKind.Unknown;
    }
}
