namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.1 compound packet: packets stacked back to back, no separators
    [SR or RR][SDES][BYE / feedback …]      each starts with |V=2|P| RC |PT|length|
    RFC 3550 §6.4.1 / App. A.2: padding is only allowed on the last packet.
    RFC 5506 reduced-size RTCP may carry a lone feedback packet, so the first-packet rule is not enforced.
*/
/// <summary>Walks the packets of a compound RTCP datagram with length checks, without allocating.</summary>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly bool _allowPaddingOnAnyPacket;
    private int _offset;

    /// <summary>Starts at the first packet.</summary>
    /// <param name="buffer">The decrypted compound packet.</param>
    /// <param name="allowPaddingOnAnyPacket">Accept P=1 before the last packet (lenient interop mode).</param>
    public RtcpCompoundReader(ReadOnlySpan<byte> buffer, bool allowPaddingOnAnyPacket = false)
    {
        _buffer = buffer;
        _allowPaddingOnAnyPacket = allowPaddingOnAnyPacket;
        _offset = 0;
        Status = buffer.IsEmpty ? RtcpParseStatus.TooShort : RtcpParseStatus.Ok;
    }

    /// <summary>Ok while iterating and after a clean end; otherwise why iteration stopped.</summary>
    public RtcpParseStatus Status { get; private set; }

    /// <summary>Byte offset of the next packet.</summary>
    public readonly int Offset => _offset;

    /// <summary>Yields the next packet; false at the end or on error (see <see cref="Status"/>).</summary>
    public bool TryReadNext(out RtcpPacket packet)
    {
        packet = default;
        if (Status != RtcpParseStatus.Ok || _offset >= _buffer.Length) return false;
        var status = RtcpPacket.TryRead(_buffer[_offset..], out packet);
        if (status == RtcpParseStatus.Ok && packet.HasPadding && !_allowPaddingOnAnyPacket
            && _offset + packet.Length != _buffer.Length)
            status = RtcpParseStatus.BadPadding;                          // RFC 3550 §6.4.1: last packet only
        if (status != RtcpParseStatus.Ok)
        {
            Status = status;
            packet = default;
            return false;
        }
        _offset += packet.Length;
        return true;
    }

    /// <summary>Walks every packet and runs each typed reader; Ok only if all of it is well formed.</summary>
    public static RtcpParseStatus Validate(ReadOnlySpan<byte> buffer, bool allowPaddingOnAnyPacket = false)
    {
        var reader = new RtcpCompoundReader(buffer, allowPaddingOnAnyPacket);
        while (reader.TryReadNext(out var packet))
        {
            var status = packet.ValidateBody();
            if (status != RtcpParseStatus.Ok) return status;
        }
        return reader.Status;
    }
}
