using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §5 header, then §14 attributes each padded to a multiple of 4 bytes
      |0 0|     STUN Message Type     |         Message Length        |
      |                         Magic Cookie                          |
      |                     Transaction ID (96 bits)                  |
      |         Type                  |            Length             |
      |                         Value (variable)                ....  |padding|
   MESSAGE-INTEGRITY (§14.5) and FINGERPRINT (§14.7) are computed in place over what is already written,
   with the length field adjusted to end at the attribute being added. */
/// <summary>Builds a STUN message in a caller-supplied buffer. Every <c>TryAppend*</c> either appends the whole
/// attribute (keeping the header's length current) or leaves the message untouched and returns false.</summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    private StunMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = StunMessage.HeaderLength;
    }

    /// <summary>Total bytes written so far, header included.</summary>
    public readonly int Length => _length;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Writes the 20-byte header into <paramref name="destination"/>.</summary>
    public static bool TryCreate(Span<byte> destination, ushort messageType, scoped ReadOnlySpan<byte> transactionId, out StunMessageWriter writer)
    {
        writer = default;
        if (destination.Length < StunMessage.HeaderLength || transactionId.Length != StunMessage.TransactionIdLength) return false;
        if ((messageType & 0xC000) != 0) return false;                                                   // RFC 8489 §5: top two bits zero
        BinaryPrimitives.WriteUInt16BigEndian(destination, messageType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StunMessage.MagicCookie);
        transactionId.CopyTo(destination[8..]);
        writer = new StunMessageWriter(destination);
        return true;
    }

    /// <summary>Appends a raw attribute. <paramref name="padding"/> fills the 0-3 pad bytes (RFC 8489 §14: any value;
    /// zero is conventional, RFC 5769 §2.1 uses spaces).</summary>
    public bool TryAppend(StunAttributeType type, scoped ReadOnlySpan<byte> value, byte padding = 0) => TryAppend((ushort)type, value, padding);

    /// <summary>Appends a raw attribute with any 16-bit type.</summary>
    public bool TryAppend(ushort type, scoped ReadOnlySpan<byte> value, byte padding = 0)
    {
        if (!TryReserve(type, value.Length, padding, out Span<byte> dst)) return false;
        value.CopyTo(dst);
        return true;
    }

    /// <summary>Appends a 4-byte attribute such as PRIORITY (RFC 8445 §16.1).</summary>
    public bool TryAppendUInt32(StunAttributeType type, uint value)
    {
        if (!TryReserve((ushort)type, 4, 0, out Span<byte> dst)) return false;
        BinaryPrimitives.WriteUInt32BigEndian(dst, value);
        return true;
    }

    /// <summary>Appends an 8-byte attribute such as ICE-CONTROLLING (RFC 8445 §16.1).</summary>
    public bool TryAppendUInt64(StunAttributeType type, ulong value)
    {
        if (!TryReserve((ushort)type, 8, 0, out Span<byte> dst)) return false;
        BinaryPrimitives.WriteUInt64BigEndian(dst, value);
        return true;
    }

    /// <summary>Appends MAPPED-ADDRESS (RFC 8489 §14.1).</summary>
    public bool TryAppendMappedAddress(scoped ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length is not (4 or 16)) return false;
        if (!TryReserve((ushort)StunAttributeType.MappedAddress, StunAddressAttribute.GetValueLength(address.Length), 0, out Span<byte> dst)) return false;
        return StunAddressAttribute.TryWrite(dst, address, port, out _);
    }

    /// <summary>Appends XOR-MAPPED-ADDRESS (RFC 8489 §14.2), XORed with this message's transaction id.</summary>
    public bool TryAppendXorMappedAddress(scoped ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length is not (4 or 16)) return false;
        ReadOnlySpan<byte> transactionId = _buffer.Slice(8, StunMessage.TransactionIdLength);
        if (!TryReserve((ushort)StunAttributeType.XorMappedAddress, StunAddressAttribute.GetValueLength(address.Length), 0, out Span<byte> dst)) return false;
        return StunAddressAttribute.TryWriteXor(dst, address, port, transactionId, out _);
    }

    /// <summary>Appends ERROR-CODE (RFC 8489 §14.8).</summary>
    public bool TryAppendErrorCode(int code, scoped ReadOnlySpan<byte> reasonUtf8)
    {
        if (code is < 300 or > 699 || reasonUtf8.Length > StunErrorCodeAttribute.MaxReasonLength) return false;
        if (!TryReserve((ushort)StunAttributeType.ErrorCode, 4 + reasonUtf8.Length, 0, out Span<byte> dst)) return false;
        return StunErrorCodeAttribute.TryWrite(dst, code, reasonUtf8, out _);
    }

    /// <summary>Appends UNKNOWN-ATTRIBUTES (RFC 8489 §14.13).</summary>
    public bool TryAppendUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        if (types.Length > ushort.MaxValue / 2) return false;
        if (!TryReserve((ushort)StunAttributeType.UnknownAttributes, types.Length * 2, 0, out Span<byte> dst)) return false;
        return StunUnknownAttributes.TryWrite(dst, types, out _);
    }

    /// <summary>Appends MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 with <paramref name="key"/> over the message so far,
    /// the length field counting this attribute.</summary>
    public bool TryAppendMessageIntegrity(scoped ReadOnlySpan<byte> key)
    {
        int miOffset = _length;
        if (!TryReserve((ushort)StunAttributeType.MessageIntegrity, StunMessage.MessageIntegrityLength, 0, out Span<byte> dst)) return false;
        // The header length already counts MI; HMAC input is the prefix before it.
        StunIntegrity.ComputeMessageIntegrity(_buffer, miOffset, key, dst);
        return true;
    }

    /// <summary>Appends FINGERPRINT (RFC 8489 §14.7). It must be the last attribute.</summary>
    public bool TryAppendFingerprint()
    {
        int fpOffset = _length;
        if (!TryReserve((ushort)StunAttributeType.Fingerprint, StunMessage.FingerprintLength, 0, out Span<byte> dst)) return false;
        BinaryPrimitives.WriteUInt32BigEndian(dst, StunIntegrity.ComputeFingerprint(_buffer[..fpOffset]));
        return true;
    }

    // Writes the TLV header, padding and new message length; returns the value slice for the caller to fill.
    private bool TryReserve(ushort type, int valueLength, byte padding, out Span<byte> value)
    {
        value = default;
        if ((uint)valueLength > ushort.MaxValue) return false;
        int total = StunMessage.AttributeHeaderLength + StunMessage.Pad4(valueLength);
        int newLength = _length + total;
        if (newLength > _buffer.Length || newLength - StunMessage.HeaderLength > ushort.MaxValue) return false;
        Span<byte> attribute = _buffer.Slice(_length, total);
        BinaryPrimitives.WriteUInt16BigEndian(attribute, type);
        BinaryPrimitives.WriteUInt16BigEndian(attribute[2..], (ushort)valueLength);
        attribute[(StunMessage.AttributeHeaderLength + valueLength)..].Fill(padding);
        _length = newLength;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(_length - StunMessage.HeaderLength));
        value = attribute.Slice(StunMessage.AttributeHeaderLength, valueLength);
        return true;
    }
}
