using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.1 SR: Sender Report RTCP Packet
            0                   1                   2                   3
    header |V=2|P|    RC   |   PT=SR=200   |             length            |
           |                         SSRC of sender                        |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    sender |              NTP timestamp, most significant word             |
    info   |             NTP timestamp, least significant word             |
           |                         RTP timestamp                         |
           |                     sender's packet count                     |
           |                      sender's octet count                     |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    report |                 report block 1 … RC (24 bytes each)           |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
           |                  profile-specific extensions                  |
*/
/// <summary>Zero-copy view of a Sender Report.</summary>
public readonly ref struct SenderReport
{
    private const int SenderInfoEnd = 24;   // body offset of the first report block
    private readonly ReadOnlySpan<byte> _body;

    private SenderReport(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, int reportCount)
    {
        Data = data;
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>RC: number of report blocks.</summary>
    public int ReportCount { get; }
    /// <summary>SSRC of sender.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>64-bit NTP timestamp (32.32).</summary>
    public ulong NtpTimestamp => BinaryPrimitives.ReadUInt64BigEndian(_body[4..]);
    /// <summary>RTP timestamp matching the NTP time.</summary>
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body[12..]);
    /// <summary>Sender's packet count.</summary>
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body[16..]);
    /// <summary>Sender's octet count.</summary>
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body[20..]);
    /// <summary>Profile-specific extensions after the report blocks.</summary>
    public ReadOnlySpan<byte> ProfileExtensions => ReportBlockSection.Extensions(_body, SenderInfoEnd, ReportCount);

    /// <summary>Returns report block <paramref name="index"/>.</summary>
    public ReportBlock GetReportBlock(int index) => ReportBlockSection.Get(_body, SenderInfoEnd, ReportCount, index);

    /// <summary>Reads the SR at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out SenderReport report)
    {
        report = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out report);
    }

    /// <summary>Reads an SR from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out SenderReport report)
    {
        report = default;
        if (packet.PacketType != RtcpPacketType.SenderReport) return RtcpParseStatus.WrongType;
        var body = packet.Body;
        if (!ReportBlockSection.Fits(body, SenderInfoEnd, packet.Count)) return RtcpParseStatus.Malformed;
        report = new SenderReport(packet.Data, body, packet.Count);
        return RtcpParseStatus.Ok;
    }
}
