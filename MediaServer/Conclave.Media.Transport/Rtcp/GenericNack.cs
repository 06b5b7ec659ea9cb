using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.1 common feedback header + §6.2.1 Generic NACK (RTPFB, FMT=1)
     0                   1                   2                   3
    |V=2|P| FMT=1   |   PT=205      |          length               |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source                         |
    |            PID                |             BLP               |  (one or more)
*/
/// <summary>Zero-copy view of a Generic NACK.</summary>
public readonly ref struct GenericNack
{
    private readonly ReadOnlySpan<byte> _body;

    private GenericNack(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body) { Data = data; _body = body; }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>SSRC of media source.</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body[4..]);
    /// <summary>Number of PID/BLP pairs.</summary>
    public int PairCount => (_body.Length - 8) / 4;

    /// <summary>Returns pair <paramref name="index"/>.</summary>
    public NackPair GetPair(int index)
    {
        if ((uint)index >= (uint)PairCount) throw new ArgumentOutOfRangeException(nameof(index));
        var fci = _body[(8 + 4 * index)..];
        return new NackPair(BinaryPrimitives.ReadUInt16BigEndian(fci), BinaryPrimitives.ReadUInt16BigEndian(fci[2..]));
    }

    /// <summary>Total lost sequence numbers across all pairs (duplicates across pairs counted twice).</summary>
    public int CountLost()
    {
        int n = 0;
        for (int i = 0; i < PairCount; i++) n += GetPair(i).LostCount;
        return n;
    }

    /// <summary>Expands every pair into <paramref name="destination"/>; returns the count, or -1 if it is too small.</summary>
    public int CopyLostTo(Span<ushort> destination)
    {
        int n = 0;
        for (int i = 0; i < PairCount; i++)
        {
            var pair = GetPair(i);
            if (destination.Length - n < pair.LostCount) return -1;
            n += pair.CopyLostTo(destination[n..]);
        }
        return n;
    }

    /// <summary>Reads the NACK at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out GenericNack nack)
    {
        nack = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out nack);
    }

    /// <summary>Reads a NACK from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out GenericNack nack)
    {
        nack = default;
        if (packet.PacketType != RtcpPacketType.TransportFeedback || packet.Count != RtcpPacketType.FormatGenericNack)
            return RtcpParseStatus.WrongType;
        var body = packet.Body;
        // RFC 4585 §6.2.1: the FCI field MUST contain at least one Generic NACK.
        if (body.Length < 12 || body.Length % 4 != 0) return RtcpParseStatus.Malformed;
        nack = new GenericNack(packet.Data, body);
        return RtcpParseStatus.Ok;
    }
}
