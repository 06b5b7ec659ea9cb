using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.1 common header (every RTCP packet)
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |V=2|P|  RC/FMT |      PT       |             length            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    length: packet size in 32-bit words minus one, header and padding included.
*/
/// <summary>
/// One RTCP packet: common header plus a bounded view of its bytes. Also the raw view for unknown
/// types (pion's RawPacket). Typed readers take it and check their own body.
/// </summary>
public readonly ref struct RtcpPacket
{
    /// <summary>Size of the common header.</summary>
    public const int HeaderLength = 4;

    private RtcpPacket(ReadOnlySpan<byte> data, int paddingLength)
    {
        Data = data;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet, header and padding included (length field + 1 words).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Padding bytes at the end (0 when P=0).</summary>
    public int PaddingLength { get; }

    /// <summary>The P bit.</summary>
    public bool HasPadding => (Data[0] & 0x20) != 0;

    /// <summary>The 5-bit RC / SC / FMT field.</summary>
    public int Count => Data[0] & 0x1F;

    /// <summary>The PT field.</summary>
    public byte PacketType => Data[1];

    /// <summary>Total length in bytes.</summary>
    public int Length => Data.Length;

    /// <summary>Bytes after the common header, padding excluded.</summary>
    public ReadOnlySpan<byte> Body => Data[HeaderLength..^PaddingLength];

    /// <summary>Classifies the packet by PT, FMT and (for PSFB FMT 15) the "REMB" identifier.</summary>
    public RtcpPacketKind Kind
    {
        get
        {
            switch (PacketType)
            {
                case RtcpPacketType.SenderReport: return RtcpPacketKind.SenderReport;
                case RtcpPacketType.ReceiverReport: return RtcpPacketKind.ReceiverReport;
                case RtcpPacketType.SourceDescription: return RtcpPacketKind.SourceDescription;
                case RtcpPacketType.Goodbye: return RtcpPacketKind.Goodbye;
                case RtcpPacketType.TransportFeedback:
                    if (Count == RtcpPacketType.FormatGenericNack) return RtcpPacketKind.GenericNack;
                    if (Count == RtcpPacketType.FormatTransportCc) return RtcpPacketKind.TransportCc;
                    return RtcpPacketKind.Raw;
                case RtcpPacketType.PayloadFeedback:
                    if (Count == RtcpPacketType.FormatPictureLossIndication) return RtcpPacketKind.PictureLossIndication;
                    if (Count == RtcpPacketType.FormatFullIntraRequest) return RtcpPacketKind.FullIntraRequest;
                    if (Count == RtcpPacketType.FormatApplicationLayer && ReceiverEstimatedMaxBitrate.HasIdentifier(Body))
                        return RtcpPacketKind.ReceiverEstimatedMaxBitrate;
                    return RtcpPacketKind.Raw;
                default: return RtcpPacketKind.Raw;
            }
        }
    }

    /// <summary>Reads the packet at the start of <paramref name="buffer"/> (trailing bytes are left for the next one).</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out RtcpPacket packet)
    {
        packet = default;
        if (buffer.Length < HeaderLength) return RtcpParseStatus.TooShort;
        if (buffer[0] >> 6 != 2) return RtcpParseStatus.BadVersion;       // RFC 3550 §6.4.1: V=2
        int length = (BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) + 1) * 4;
        if (length > buffer.Length) return RtcpParseStatus.TooShort;
        int pad = 0;
        if ((buffer[0] & 0x20) != 0)
        {
            // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
            pad = buffer[length - 1];
            if (pad == 0 || pad > length - HeaderLength) return RtcpParseStatus.BadPadding;
        }
        packet = new RtcpPacket(buffer[..length], pad);
        return RtcpParseStatus.Ok;
    }

    /// <summary>Runs the typed reader for <see cref="Kind"/> over the body; Ok for raw packets.</summary>
    public RtcpParseStatus ValidateBody()
    {
        switch (Kind)
        {
            case RtcpPacketKind.SenderReport: return SenderReport.TryRead(this, out _);
            case RtcpPacketKind.ReceiverReport: return ReceiverReport.TryRead(this, out _);
            case RtcpPacketKind.SourceDescription: return SdesPacket.TryRead(this, out _);
            case RtcpPacketKind.Goodbye: return ByePacket.TryRead(this, out _);
            case RtcpPacketKind.GenericNack: return GenericNack.TryRead(this, out _);
            case RtcpPacketKind.TransportCc: return TransportCc.TryRead(this, out _);
            case RtcpPacketKind.PictureLossIndication: return PictureLossIndication.TryRead(this, out _);
            case RtcpPacketKind.FullIntraRequest: return FullIntraRequest.TryRead(this, out _);
            case RtcpPacketKind.ReceiverEstimatedMaxBitrate: return ReceiverEstimatedMaxBitrate.TryRead(this, out _);
            default: return RtcpParseStatus.Ok;
        }
    }
}
