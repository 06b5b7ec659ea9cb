using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.6 BYE: Goodbye RTCP Packet
           0                   1                   2                   3
          |V=2|P|    SC   |   PT=BYE=203  |             length            |
          |                           SSRC/CSRC                           |
          :                              ...                              :
    (opt) |     length    |               reason for leaving            ...
    The reason is padded with null octets to the next 32-bit boundary.
*/
/// <summary>Zero-copy view of a BYE packet.</summary>
public readonly ref struct ByePacket
{
    private readonly ReadOnlySpan<byte> _body;

    private ByePacket(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, int count) { Data = data; _body = body; SourceCount = count; }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SC: number of sources leaving.</summary>
    public int SourceCount { get; }
    /// <summary>True if a reason follows the sources.</summary>
    public bool HasReason => _body.Length > 4 * SourceCount;
    /// <summary>Reason for leaving (UTF-8), empty if absent.</summary>
    public ReadOnlySpan<byte> Reason => HasReason ? _body.Slice(4 * SourceCount + 1, _body[4 * SourceCount]) : default;

    /// <summary>Returns source <paramref name="index"/>.</summary>
    public uint GetSource(int index)
    {
        if ((uint)index >= (uint)SourceCount) throw new ArgumentOutOfRangeException(nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_body[(4 * index)..]);
    }

    /// <summary>Reads the BYE at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out ByePacket bye)
    {
        bye = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out bye);
    }

    /// <summary>Reads a BYE from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out ByePacket bye)
    {
        bye = default;
        if (packet.PacketType != RtcpPacketType.Goodbye) return RtcpParseStatus.WrongType;
        var body = packet.Body;
        int sources = 4 * packet.Count;
        if (sources > body.Length) return RtcpParseStatus.Malformed;
        if (sources < body.Length)
        {
            int reasonEnd = sources + 1 + body[sources];
            // RFC 3550 §6.6: the reason is padded to the 32-bit boundary (which the body length implies).
            if (reasonEnd > body.Length || ((reasonEnd + 3) & ~3) != body.Length) return RtcpParseStatus.Malformed;
        }
        bye = new ByePacket(packet.Data, body, packet.Count);
        return RtcpParseStatus.Ok;
    }
}
