using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/// <summary>Writes the RFC 3550 §6.4.1 common header: |V=2|P|RC/FMT|PT|length (words − 1)|.</summary>
internal static class RtcpHeaderWriter
{
    public static void Write(Span<byte> destination, int count, byte packetType, int totalLength, bool padding = false)
    {
        destination[0] = (byte)(0x80 | (padding ? 0x20 : 0) | (count & 0x1F));
        destination[1] = packetType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(totalLength / 4 - 1));
    }
}
