using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.6 BYE
    |V=2|P|    SC   |   PT=BYE=203  |             length            |
    |                           SSRC/CSRC  × SC                     |
    |     length    |               reason for leaving  | 0 pad     |
*/
/// <summary>Writes a BYE packet.</summary>
public ref struct ByeWriter : IRtcpPacketWriter
{
    /// <summary>Up to 31 sources.</summary>
    public ReadOnlySpan<uint> Sources;
    /// <summary>Optional reason (≤ 255 bytes UTF-8); empty for none.</summary>
    public ReadOnlySpan<byte> Reason;

    /// <inheritdoc/>
    public readonly int GetWrittenLength()
        => RtcpPacket.HeaderLength + 4 * Sources.Length + (Reason.IsEmpty ? 0 : (1 + Reason.Length + 3) & ~3);

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (Sources.Length > 31 || Reason.Length > 255 || destination.Length < length) return false;
        RtcpHeaderWriter.Write(destination, Sources.Length, RtcpPacketType.Goodbye, length);
        int offset = RtcpPacket.HeaderLength;
        for (int i = 0; i < Sources.Length; i++, offset += 4)
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Sources[i]);
        if (!Reason.IsEmpty)
        {
            destination[offset] = (byte)Reason.Length;
            Reason.CopyTo(destination[(offset + 1)..]);
            destination[(offset + 1 + Reason.Length)..length].Clear();
        }
        written = length;
        return true;
    }
}
