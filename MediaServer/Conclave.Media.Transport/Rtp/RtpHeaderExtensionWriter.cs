namespace Conclave.Media.Transport.Rtp;

/*  RFC 8285 §4.1.2: one packet uses one form. The one-byte form (0xBEDE) carries ids 1–14 with
    1–16 data bytes; anything else needs the two-byte form (0x100X), which a sender may only use
    when the peer understands it (RFC 8285 §6 "a=extmap-allow-mixed").
     One-byte element:  |  ID   |  L-1  | data (L bytes) ...
     Two-byte element:  |      ID       |       L       | data (L bytes) ...
*/
/// <summary>
/// Builds an extension body into a caller buffer. Elements are staged in two-byte form; <see cref="TryFinish"/>
/// compacts them in place to one-byte form when every element allows it, then pads to 32 bits with zeros.
/// </summary>
public ref struct RtpHeaderExtensionWriter
{
    private readonly Span<byte> _buffer;
    private readonly bool _allowTwoByte;
    private int _length;
    private int _count;
    private bool _needsTwoByte;

    /// <summary>Starts writing into <paramref name="buffer"/> (the extension body, after the 4-byte header).</summary>
    /// <param name="buffer">Destination.</param>
    /// <param name="allowTwoByte">True when extmap-allow-mixed (RFC 8285 §6) was negotiated.</param>
    public RtpHeaderExtensionWriter(Span<byte> buffer, bool allowTwoByte)
    {
        _buffer = buffer;
        _allowTwoByte = allowTwoByte;
        _length = 0;
        _count = 0;
        _needsTwoByte = false;
    }

    /// <summary>Number of elements added.</summary>
    public readonly int Count => _count;

    /// <summary>Adds an element. False if it does not fit, the id is 0, or it needs the two-byte form when not allowed.</summary>
    public bool TryAdd(byte id, ReadOnlySpan<byte> value)
    {
        if (id == 0 || value.Length > 255) return false;
        bool oneByteOk = id <= 14 && value.Length >= 1 && value.Length <= 16;  // RFC 8285 §4.2
        if (!oneByteOk && !_allowTwoByte) return false;
        if (_length + 2 + value.Length > _buffer.Length) return false;
        _buffer[_length] = id;
        _buffer[_length + 1] = (byte)value.Length;
        value.CopyTo(_buffer[(_length + 2)..]);
        _length += 2 + value.Length;
        _count++;
        _needsTwoByte |= !oneByteOk;
        return true;
    }

    /// <summary>Adds an element and returns its value area to fill in (e.g. a 2-byte transport sequence number).</summary>
    public bool TryAdd(byte id, int length, out Span<byte> value)
    {
        value = default;
        if (length < 0 || length > 255 || _length + 2 + length > _buffer.Length) return false;
        int at = _length + 2;
        _buffer.Slice(at, length).Clear();
        if (!TryAdd(id, _buffer.Slice(at, length))) return false;
        value = _buffer.Slice(at, length);
        return true;
    }

    /// <summary>
    /// Picks the form, compacts, pads with zero bytes to a 32-bit boundary and returns the profile for the
    /// extension header and the body length (a multiple of 4). False if padding does not fit.
    /// </summary>
    public bool TryFinish(out ushort profile, out int length)
    {
        int end;
        if (_needsTwoByte)
        {
            profile = RtpHeaderExtensionReader.TwoByteProfile;
            end = _length;
        }
        else
        {
            profile = RtpHeaderExtensionReader.OneByteProfile;
            int read = 0;
            end = 0;
            while (read < _length)                                       // compaction: dst never overtakes src
            {
                byte id = _buffer[read];
                int len = _buffer[read + 1];
                _buffer[end] = (byte)(id << 4 | (len - 1));
                _buffer.Slice(read + 2, len).CopyTo(_buffer[(end + 1)..]);
                end += 1 + len;
                read += 2 + len;
            }
        }
        length = BitShifter.AlignTo32(end);
        if (length > _buffer.Length) { length = 0; return false; }
        _buffer[end..length].Clear();                                    // RFC 8285 §4.2: padding bytes are 0
        return true;
    }
}
