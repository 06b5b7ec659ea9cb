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
    public readonly int GetWrittenLength() => ReportBlockSection.WrittenLength(8, ReportBlocks, ProfileExtensions);

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (!ReportBlockSection.CanWrite(ReportBlocks, ProfileExtensions, length, destination)) return false;
        RtcpHeaderWriter.Write(destination, ReportBlocks.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        ReportBlockSection.Write(destination, 8, ReportBlocks, ProfileExtensions);
        written = length;
        return true;
    }
}
