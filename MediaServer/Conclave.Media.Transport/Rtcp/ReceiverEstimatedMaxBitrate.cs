using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  draft-alvestrand-rmcat-remb-03 §2.2 (PSFB, FMT=15 application layer feedback)
     0                   1                   2                   3
    |V=2|P| FMT=15  |   PT=206      |             length            |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source = 0                     |
    |  Unique identifier 'R' 'E' 'M' 'B'                            |
    |  Num SSRC     | BR Exp    |  BR Mantissa                      |
    |   SSRC feedback                                               |  × Num SSRC
    bitrate (bps) = mantissa (18 bits) << exp (6 bits)
*/
/// <summary>Zero-copy view of a REMB.</summary>
public readonly ref struct ReceiverEstimatedMaxBitrate
{
    /// <summary>"REMB" in ASCII.</summary>
    public const uint Identifier = 0x52454D42;

    private readonly ReadOnlySpan<byte> _body;

    private ReceiverEstimatedMaxBitrate(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, ulong bitrate)
    {
        Data = data;
        _body = body;
        Bitrate = bitrate;
    }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    /// <summary>SSRC of media source (always 0 per the draft; read as sent).</summary>
    public uint MediaSsrc => BinaryPrimitives.ReadUInt32BigEndian(_body[4..]);
    /// <summary>Estimated maximum bitrate in bits per second.</summary>
    public ulong Bitrate { get; }
    /// <summary>Number of SSRCs the estimate applies to.</summary>
    public int SsrcCount => _body[12];

    /// <summary>Returns SSRC <paramref name="index"/>.</summary>
    public uint GetSsrc(int index)
    {
        if ((uint)index >= (uint)SsrcCount) throw new ArgumentOutOfRangeException(nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_body[(16 + 4 * index)..]);
    }

    /// <summary>True if a PSFB FMT 15 body carries the "REMB" identifier.</summary>
    public static bool HasIdentifier(ReadOnlySpan<byte> body)
        => body.Length >= 12 && BinaryPrimitives.ReadUInt32BigEndian(body[8..]) == Identifier;

    /// <summary>Reads the REMB at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out ReceiverEstimatedMaxBitrate remb)
    {
        remb = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out remb);
    }

    /// <summary>Reads a REMB from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out ReceiverEstimatedMaxBitrate remb)
    {
        remb = default;
        var body = packet.Body;
        if (packet.PacketType != RtcpPacketType.PayloadFeedback || packet.Count != RtcpPacketType.FormatApplicationLayer
            || !HasIdentifier(body))
            return RtcpParseStatus.WrongType;
        if (body.Length < 16 || body.Length != 16 + 4 * body[12]) return RtcpParseStatus.Malformed;
        int exponent = body[13] >> 2;
        ulong mantissa = BitShifterRead18(body[13..]);
        ulong bitrate = mantissa << exponent;
        if (bitrate >> exponent != mantissa) return RtcpParseStatus.Malformed;   // overflows 64 bits
        remb = new ReceiverEstimatedMaxBitrate(packet.Data, body, bitrate);
        return RtcpParseStatus.Ok;
    }

    private static ulong BitShifterRead18(ReadOnlySpan<byte> source)
        => (ulong)(Conclave.Media.Transport.Rtp.BitShifter.ReadUInt24BigEndian(source) & 0x3FFFF);
}
