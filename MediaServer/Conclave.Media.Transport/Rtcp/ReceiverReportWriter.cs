using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.2 RR
    |V=2|P|    RC   |   PT=RR=201   |             length            |
    |                     SSRC of packet sender                     |
    |                report blocks (24 bytes × RC)                  |
    |                  profile-specific extensions                  |
*/
/// <summary>Writes a Receiver Report.</summary>
public ref struct ReceiverReportWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint Ssrc;
    /// <summary>Up to 31 report blocks.</summary>
    public ReadOnlySpan<ReportBlock> ReportBlocks;
    /// <summary>Profile-specific extensions, a multiple of 4 bytes.</summary>
    public ReadOnlySpan<byte> ProfileExtensions;

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => 8 + ReportBlock.Length * ReportBlocks.Length + ProfileExtensions.Length;

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (ReportBlocks.Length > 31 || ProfileExtensions.Length % 4 != 0 || length > 4 * 65536 || destination.Length < length)
            return false;
        RtcpHeaderWriter.Write(destination, ReportBlocks.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        int offset = 8;
        for (int i = 0; i < ReportBlocks.Length; i++, offset += ReportBlock.Length)
            ReportBlocks[i].Write(destination[offset..]);
        ProfileExtensions.CopyTo(destination[offset..]);
        written = length;
        return true;
    }
}
