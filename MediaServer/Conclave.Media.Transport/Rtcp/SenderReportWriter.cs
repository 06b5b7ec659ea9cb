using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.1 SR
    |V=2|P|    RC   |   PT=SR=200   |             length            |
    |                         SSRC of sender                        |
    |  NTP timestamp (64) | RTP timestamp | packet count | octet count |
    |                report blocks (24 bytes × RC)                  |
    |                  profile-specific extensions                  |
*/
/// <summary>Writes a Sender Report.</summary>
public ref struct SenderReportWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of sender.</summary>
    public uint Ssrc;
    /// <summary>64-bit NTP timestamp.</summary>
    public ulong NtpTimestamp;
    /// <summary>RTP timestamp.</summary>
    public uint RtpTimestamp;
    /// <summary>Sender's packet count.</summary>
    public uint PacketCount;
    /// <summary>Sender's octet count.</summary>
    public uint OctetCount;
    /// <summary>Up to 31 report blocks.</summary>
    public ReadOnlySpan<ReportBlock> ReportBlocks;
    /// <summary>Profile-specific extensions, a multiple of 4 bytes.</summary>
    public ReadOnlySpan<byte> ProfileExtensions;

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => ReportBlockSection.WrittenLength(28, ReportBlocks, ProfileExtensions);

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (!ReportBlockSection.CanWrite(ReportBlocks, ProfileExtensions, length, destination)) return false;
        RtcpHeaderWriter.Write(destination, ReportBlocks.Length, RtcpPacketType.SenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], OctetCount);
        ReportBlockSection.Write(destination, 28, ReportBlocks, ProfileExtensions);
        written = length;
        return true;
    }
}
