namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.1 compound packet: each writer appends one packet right after the previous one.
    [SR/RR][SDES][feedback …]
*/
/// <summary>Appends RTCP packets back to back into a caller buffer; generic, so ref-struct writers are not boxed.</summary>
public ref struct RtcpCompoundWriter
{
    private readonly Span<byte> _destination;
    private int _written;

    /// <summary>Starts writing at the beginning of <paramref name="destination"/>.</summary>
    public RtcpCompoundWriter(Span<byte> destination)
    {
        _destination = destination;
        _written = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int WrittenLength => _written;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _destination[.._written];

    /// <summary>Appends one packet; false (and nothing appended) if it does not fit or is invalid.</summary>
    public bool TryAppend<T>(scoped T packet) where T : IRtcpPacketWriter, allows ref struct
    {
        if (!packet.TryWrite(_destination[_written..], out int n)) return false;
        _written += n;
        return true;
    }
}
