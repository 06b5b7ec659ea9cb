using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Rtcp;

/*  draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (RTPFB, FMT=15)
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    |V=2|P|  FMT=15 |    PT=205     |           length              |
    |                     SSRC of packet sender                     |
    |                      SSRC of media source                     |
    |      base sequence number     |      packet status count      |
    |                 reference time                | fb pkt. count |
    |          packet chunk         |         packet chunk          |
    .                                                               .
    |         packet chunk          |  recv delta   |  recv delta   |
    .                                                               .
    |           recv delta          |  recv delta   | zero padding  |
    reference time: signed 24 bits, × 64 ms. recv delta: × 250 µs; 1 byte unsigned for
    status 01, 2 bytes signed for status 10 (§3.1.5).
*/
/// <summary>Zero-copy view of a transport-wide congestion control feedback packet.</summary>
public readonly ref struct TransportCc
{
    private const int ChunksOffset = 16;   // body offset of the first packet chunk
    private readonly ReadOnlySpan<byte> _body;
    private readonly int _deltasOffset;

    private TransportCc(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, int deltasOffset)
    {
        Data = data;
        _body = body;
        _deltasOffset = deltasOffset;
    }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>SSRC of media source.</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body[4..]);
    /// <summary>Transport-wide sequence number of the first packet.</summary>
    public ushort BaseSequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_body[8..]);
    /// <summary>Number of packets described.</summary>
    public int PacketStatusCount => BinaryPrimitives.ReadUInt16BigEndian(_body[10..]);
    /// <summary>Reference time in 64 ms units (signed 24-bit).</summary>
    public int ReferenceTime => BitShifter.ReadInt24BigEndian(_body[12..]);
    /// <summary>Feedback packet count (wrapping), to detect lost feedback.</summary>
    public byte FeedbackPacketCount => _body[15];

    /// <summary>Iterates the packets: sequence number, status and receive delta.</summary>
    public TransportCcEnumerator GetEnumerator()
        => new(_body[ChunksOffset.._deltasOffset], _body[_deltasOffset..], BaseSequenceNumber, PacketStatusCount);

    /// <summary>Reads the transport-cc packet at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out TransportCc feedback)
    {
        feedback = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out feedback);
    }

    /// <summary>Reads a transport-cc packet from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out TransportCc feedback)
    {
        feedback = default;
        if (packet.PacketType != RtcpPacketType.TransportFeedback || packet.Count != RtcpPacketType.FormatTransportCc)
            return RtcpParseStatus.WrongType;
        var body = packet.Body;
        if (body.Length < ChunksOffset) return RtcpParseStatus.Malformed;
        int count = BinaryPrimitives.ReadUInt16BigEndian(body[10..]);
        if (count == 0) return RtcpParseStatus.Malformed;                 // nothing to report
        int offset = ChunksOffset;
        int covered = 0;
        int deltaBytes = 0;
        while (covered < count)
        {
            if (offset + 2 > body.Length) return RtcpParseStatus.Malformed;
            ushort chunk = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            offset += 2;
            int take = Math.Min(TransportCcChunk.Capacity(chunk), count - covered);
            for (int k = 0; k < take; k++)
            {
                int symbol = TransportCcChunk.Symbol(chunk, k);
                if (symbol == 3) return RtcpParseStatus.Malformed;        // §3.1.1: 11 is reserved
                deltaBytes += symbol;                                     // 01 → 1 byte, 10 → 2 bytes
            }
            covered += take;
        }
        // §3.1: deltas follow the chunks; at most 3 zero-padding bytes may remain.
        int end = offset + deltaBytes;
        if (end > body.Length || body.Length - end > 3) return RtcpParseStatus.Malformed;
        feedback = new TransportCc(packet.Data, body, offset);
        return RtcpParseStatus.Ok;
    }
}
