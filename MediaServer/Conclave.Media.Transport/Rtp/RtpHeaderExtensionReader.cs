namespace Conclave.Media.Transport.Rtp;

/*  RFC 8285 §4.2 One-Byte Header (profile 0xBEDE)
     0                   1                   2                   3
    |       0xBE    |    0xDE       |           length=3            |
    |  ID   | L=0   |     data      |  ID   |  L=1  |   data...
          ...data   |    0 (pad)    |    0 (pad)    |  ID   | L=3   |
    |                          data                                 |
    RFC 8285 §4.3 Two-Byte Header (profile 0x100 + appbits)
    |       0x10    |    0x00       |           length=3            |
    |      ID       |     L=0       |     ID        |     L=1       |
    |       data    |    0 (pad)    |       ID      |      L=4      |
    |                          data                                 |
*/
/// <summary>
/// Allocation-free iterator over RFC 8285 extension elements. <see cref="TryCreate"/> validates the
/// whole block once, so <see cref="TryReadNext"/> and <see cref="TryFind"/> cannot fail part way.
/// </summary>
public ref struct RtpHeaderExtensionReader
{
    /// <summary>RFC 8285 §4.2 one-byte header profile.</summary>
    public const ushort OneByteProfile = 0xBEDE;

    /// <summary>RFC 8285 §4.3 two-byte header profile, low 4 bits are "appbits".</summary>
    public const ushort TwoByteProfile = 0x1000;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _twoByte;
    private int _offset;

    private RtpHeaderExtensionReader(ReadOnlySpan<byte> data, bool twoByte)
    {
        _data = data;
        _twoByte = twoByte;
        _offset = 0;
    }

    /// <summary>True for the two-byte form.</summary>
    public readonly bool IsTwoByte => _twoByte;

    /// <summary>True if <paramref name="profile"/> is 0x100X (RFC 8285 §4.3).</summary>
    public static bool IsTwoByteProfile(ushort profile) => (profile & 0xFFF0) == TwoByteProfile;

    /// <summary>Validates the extension body and returns a reader positioned at its first element.</summary>
    public static RtpParseStatus TryCreate(ushort profile, ReadOnlySpan<byte> data, out RtpHeaderExtensionReader reader)
    {
        reader = default;
        bool twoByte;
        if (profile == OneByteProfile) twoByte = false;
        else if (IsTwoByteProfile(profile)) twoByte = true;
        else return RtpParseStatus.UnknownExtensionProfile;
        var r = new RtpHeaderExtensionReader(data, twoByte);
        RtpParseStatus status;
        while ((status = r.Step(out _, out _, out _)) == RtpParseStatus.Ok) { }
        if (status != EndStatus) return status;
        reader = new RtpHeaderExtensionReader(data, twoByte);
        return RtpParseStatus.Ok;
    }

    // Private sentinel for "no more elements": reuses an enum value TryCreate never returns as Ok.
    private const RtpParseStatus EndStatus = (RtpParseStatus)(-1);

    /// <summary>Moves to the next element; false at the end.</summary>
    public bool TryReadNext(out RtpHeaderExtension element)
    {
        if (Step(out byte id, out int valueOffset, out int length) != RtpParseStatus.Ok)
        {
            element = default;
            return false;
        }
        element = new RtpHeaderExtension(id, _data.Slice(valueOffset, length), valueOffset);
        return true;
    }

    /// <summary>Finds the first element with <paramref name="id"/> (scanning from the start).</summary>
    public readonly bool TryFind(int id, out ReadOnlySpan<byte> value)
    {
        var r = new RtpHeaderExtensionReader(_data, _twoByte);
        while (r.Step(out byte elementId, out int valueOffset, out int length) == RtpParseStatus.Ok)
        {
            if (elementId == id)
            {
                value = _data.Slice(valueOffset, length);
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Like <see cref="TryFind"/> but returns the value's offset within the extension body.</summary>
    public readonly bool TryFindOffset(int id, out int valueOffset, out int length)
    {
        var r = new RtpHeaderExtensionReader(_data, _twoByte);
        while (r.Step(out byte elementId, out valueOffset, out length) == RtpParseStatus.Ok)
        {
            if (elementId == id) return true;
        }
        valueOffset = 0;
        length = 0;
        return false;
    }

    private RtpParseStatus Step(out byte id, out int valueOffset, out int length)
    {
        id = 0; valueOffset = 0; length = 0;
        while (_offset < _data.Length)
        {
            byte b = _data[_offset];
            if (b == 0) { _offset++; continue; }                          // RFC 8285 §4.2/§4.3: padding byte 0
            if (!_twoByte)
            {
                int elementId = b >> 4;
                if (elementId == 0) return RtpParseStatus.BadExtensionElement;   // id 0 is padding only
                // RFC 8285 §4.2: id 15 is reserved; its length MUST be ignored and processing stops.
                if (elementId == 15) { _offset = _data.Length; return EndStatus; }
                int len = (b & 0x0F) + 1;                                  // L = length - 1
                if (_offset + 1 + len > _data.Length) return RtpParseStatus.TooShort;
                id = (byte)elementId; valueOffset = _offset + 1; length = len;
                _offset += 1 + len;
                return RtpParseStatus.Ok;
            }
            else
            {
                if (_offset + 2 > _data.Length) return RtpParseStatus.TooShort;
                int len = _data[_offset + 1];                              // RFC 8285 §4.3: length 0–255
                if (_offset + 2 + len > _data.Length) return RtpParseStatus.TooShort;
                id = b; valueOffset = _offset + 2; length = len;
                _offset += 2 + len;
                return RtpParseStatus.Ok;
            }
        }
        return EndStatus;
    }
}
