using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 5104 §4.3.1 Full Intra Request (PSFB, FMT=4)
    |V=2|P| FMT=4   |   PT=206      |          length               |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source (unused, 0)             |
    |                              SSRC                             |  FCI, one or more
    | Seq nr.       |    Reserved                                   |
*/
/// <summary>Zero-copy view of a FIR.</summary>
public readonly ref struct FullIntraRequest
{
    private readonly ReadOnlySpan<byte> _body;

    private FullIntraRequest(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body) { Data = data; _body = body; }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>SSRC of media source (RFC 5104 §4.3.1.2: SHALL be 0; read as sent).</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body[4..]);
    /// <summary>Number of FCI entries.</summary>
    public int EntryCount => (_body.Length - 8) / 8;

    /// <summary>Returns FCI entry <paramref name="index"/>.</summary>
    public FirEntry GetEntry(int index)
    {
        if ((uint)index >= (uint)EntryCount) throw new ArgumentOutOfRangeException(nameof(index));
        var fci = _body[(8 + 8 * index)..];
        return new FirEntry(BinaryPrimitives.ReadUInt32BigEndian(fci), fci[4]);
    }

    /// <summary>Reads the FIR at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out FullIntraRequest fir)
    {
        fir = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out fir);
    }

    /// <summary>Reads a FIR from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out FullIntraRequest fir)
    {
        fir = default;
        if (packet.PacketType != RtcpPacketType.PayloadFeedback || packet.Count != RtcpPacketType.FormatFullIntraRequest)
            return RtcpParseStatus.WrongType;
        var body = packet.Body;
        // RFC 5104 §4.3.1.2: the FCI contains one or more 8-byte entries.
        if (body.Length < 16 || (body.Length - 8) % 8 != 0) return RtcpParseStatus.Malformed;
        fir = new FullIntraRequest(packet.Data, body);
        return RtcpParseStatus.Ok;
    }
}
