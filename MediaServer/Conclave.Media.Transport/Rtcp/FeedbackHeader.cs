using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.1 common packet format for feedback messages
    |V=2|P|   FMT   |       PT      |          length               |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source                         |
    :            Feedback Control Information (FCI)                 :
*/
/// <summary>Writes the 12-byte RTPFB/PSFB header.</summary>
internal static class FeedbackHeader
{
    public const int Length = 12;

    public static void Write(Span<byte> destination, int format, byte packetType, int totalLength,
        uint senderSsrc, uint mediaSsrc, bool padding = false)
    {
        RtcpHeaderWriter.Write(destination, format, packetType, totalLength, padding);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
    }
}
