using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.3.1 Picture Loss Indication (PSFB, FMT=1), no FCI
    |V=2|P| FMT=1   |   PT=206      |          length=2             |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source                         |
*/
/// <summary>Zero-copy view of a PLI.</summary>
public readonly ref struct PictureLossIndication
{
    private readonly ReadOnlySpan<byte> _body;

    private PictureLossIndication(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body) { Data = data; _body = body; }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>SSRC of the media source that needs a key frame.</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body[4..]);

    /// <summary>Reads the PLI at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out PictureLossIndication pli)
    {
        pli = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out pli);
    }

    /// <summary>Reads a PLI from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out PictureLossIndication pli)
    {
        pli = default;
        if (packet.PacketType != RtcpPacketType.PayloadFeedback || packet.Count != RtcpPacketType.FormatPictureLossIndication)
            return RtcpParseStatus.WrongType;
        // RFC 4585 §6.3.1: PLI has no parameters, the length field MUST be 2.
        if (packet.Body.Length != 8) return RtcpParseStatus.Malformed;
        pli = new PictureLossIndication(packet.Data, packet.Body);
        return RtcpParseStatus.Ok;
    }
}
