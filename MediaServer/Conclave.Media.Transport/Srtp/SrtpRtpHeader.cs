using System.Buffers.Binary;

namespace Conclave.Media.Transport.Srtp;

/// <summary>The RTP header length SRTP leaves in the clear and authenticates (RFC 3711 §3.1).</summary>
internal static class SrtpRtpHeader
{
    public const int FixedLength = 12;

    /*  RFC 3550 §5.1, §5.3.1
         0                   1                   2                   3
        |V=2|P|X|  CC   |M|     PT      |       sequence number         |
        |                           timestamp                           |
        |           synchronization source (SSRC) identifier            |
        |            contributing source (CSRC) identifiers  (CC x 32)  |
        |      defined by profile       |           length              |   if X
        |                        header extension  (length x 32)        |            */
    /// <summary>
    /// Computes the header length (fixed part, CSRC list, extension) with bounds checks. Padding is part of
    /// the encrypted payload (RFC 3711 §3.1), so the P bit is not looked at.
    /// </summary>
    public static SrtpStatus TryGetLength(ReadOnlySpan<byte> packet, out int headerLength)
    {
        headerLength = 0;
        if (packet.Length < FixedLength) return SrtpStatus.TooShort;
        if (packet[0] >> 6 != 2) return SrtpStatus.BadVersion;                       // RFC 3550 §5.1: V = 2
        int length = FixedLength + 4 * (packet[0] & 0x0F);                            // CSRC list
        if ((packet[0] & 0x10) != 0)                                                  // X bit
        {
            if ((uint)(length + 4) > (uint)packet.Length) return SrtpStatus.TooShort;
            length += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(length + 2)..]);
        }
        if ((uint)length > (uint)packet.Length) return SrtpStatus.TooShort;
        headerLength = length;
        return SrtpStatus.Ok;
    }
}
