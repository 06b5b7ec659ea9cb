using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.2 RR: Receiver Report RTCP Packet
            0                   1                   2                   3
    header |V=2|P|    RC   |   PT=RR=201   |             length            |
           |                     SSRC of packet sender                     |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    report |                 report block 1 … RC (24 bytes each)           |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
           |                  profile-specific extensions                  |
*/
/// <summary>Zero-copy view of a Receiver Report.</summary>
public readonly ref struct ReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private ReceiverReport(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, int reportCount)
    {
        Data = data;
        _body = body;
        ReportCount = reportCount;
    }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>RC: number of report blocks.</summary>
    public int ReportCount { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>Profile-specific extensions after the report blocks.</summary>
    public ReadOnlySpan<byte> ProfileExtensions => ReportBlockSection.Extensions(_body, 4, ReportCount);

    /// <summary>Returns report block <paramref name="index"/>.</summary>
    public ReportBlock GetReportBlock(int index) => ReportBlockSection.Get(_body, 4, ReportCount, index);

    /// <summary>Reads the RR at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out ReceiverReport report)
    {
        report = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out report);
    }

    /// <summary>Reads an RR from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out ReceiverReport report)
    {
        report = default;
        if (packet.PacketType != RtcpPacketType.ReceiverReport) return RtcpParseStatus.WrongType;
        var body = packet.Body;
        if (!ReportBlockSection.Fits(body, 4, packet.Count)) return RtcpParseStatus.Malformed;
        report = new ReceiverReport(packet.Data, body, packet.Count);
        return RtcpParseStatus.Ok;
    }
}
