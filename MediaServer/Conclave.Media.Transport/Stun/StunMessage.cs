using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §5 (message header) and §14 (attribute TLVs)
       0                   1                   2                   3
       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |0 0|     STUN Message Type     |         Message Length        |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |                         Magic Cookie                          |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |                     Transaction ID (96 bits)                  |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |         Type                  |            Length             |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |                         Value (variable, padded to 32 bits) ....
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ */
/// <summary>A zero-copy, zero-allocation view of one STUN message held in a caller's buffer.</summary>
public readonly ref struct StunMessage
{
    /// <summary>Bytes in the fixed header.</summary>
    public const int HeaderLength = 20;
    /// <summary>Bytes in an attribute's type + length.</summary>
    public const int AttributeHeaderLength = 4;
    /// <summary>RFC 8489 §5: the fixed magic cookie.</summary>
    public const uint MagicCookie = 0x2112A442;
    /// <summary>RFC 8489 §5: 96-bit transaction id.</summary>
    public const int TransactionIdLength = 12;
    /// <summary>RFC 8489 §14.5: HMAC-SHA1 output.</summary>
    public const int MessageIntegrityLength = 20;
    /// <summary>RFC 8489 §14.7: CRC-32 output.</summary>
    public const int FingerprintLength = 4;

    private readonly ReadOnlySpan<byte> _message;
    private readonly int _messageIntegrityOffset;
    private readonly int _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> message, int messageIntegrityOffset, int fingerprintOffset)
    {
        _message = message;
        _messageIntegrityOffset = messageIntegrityOffset;
        _fingerprintOffset = fingerprintOffset;
    }

    /// <summary>The whole message, header included.</summary>
    public ReadOnlySpan<byte> Raw => _message;

    /// <summary>The 14-bit message type.</summary>
    public ushort MessageType => BinaryPrimitives.ReadUInt16BigEndian(_message);

    /// <summary>The 12-bit method (1 = Binding).</summary>
    public ushort Method => StunMessageType.GetMethod(MessageType);

    /// <summary>Request, indication, success or error response.</summary>
    public StunMessageClass Class => StunMessageType.GetClass(MessageType);

    /// <summary>The header's message length: bytes after the 20-byte header.</summary>
    public int Length => BinaryPrimitives.ReadUInt16BigEndian(_message[2..]);

    /// <summary>The 12-byte transaction id.</summary>
    public ReadOnlySpan<byte> TransactionId => _message.Slice(8, TransactionIdLength);

    /// <summary>Whether a MESSAGE-INTEGRITY attribute is present.</summary>
    public bool HasMessageIntegrity => _messageIntegrityOffset >= 0;

    /// <summary>Whether a FINGERPRINT attribute is present (it is then the last attribute).</summary>
    public bool HasFingerprint => _fingerprintOffset >= 0;

    /// <summary>Offset of the first MESSAGE-INTEGRITY attribute header, or -1.</summary>
    public int MessageIntegrityOffset => _messageIntegrityOffset;

    /// <summary>Offset of the FINGERPRINT attribute header, or -1.</summary>
    public int FingerprintOffset => _fingerprintOffset;

    /// <summary>All attributes in wire order, including any after MESSAGE-INTEGRITY.</summary>
    public StunAttributeEnumerator Attributes => new(_message);

    /// <summary>Validates the header and every attribute TLV of one complete datagram. Never throws.</summary>
    public static StunParseStatus TryRead(ReadOnlySpan<byte> message, out StunMessage result)
    {
        result = default;
        if (message.Length < HeaderLength) return StunParseStatus.TooShort;
        if ((message[0] & 0xC0) != 0) return StunParseStatus.NotStun;                                  // RFC 8489 §5
        if (BinaryPrimitives.ReadUInt32BigEndian(message[4..]) != MagicCookie) return StunParseStatus.BadMagicCookie;
        int length = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((length & 3) != 0) return StunParseStatus.BadLength;                                        // RFC 8489 §5
        if (HeaderLength + length != message.Length) return StunParseStatus.LengthMismatch;

        int mi = -1, fp = -1;
        int offset = HeaderLength;
        while (offset < message.Length)
        {
            if (fp >= 0) return StunParseStatus.BadFingerprint;                                         // RFC 8489 §14.7: FINGERPRINT is last
            if (message.Length - offset < AttributeHeaderLength) return StunParseStatus.AttributeOverrun;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            int end = offset + AttributeHeaderLength + Pad4(valueLength);
            if (end > message.Length) return StunParseStatus.AttributeOverrun;                          // RFC 8489 §14: padding is on the wire
            if (type == (ushort)StunAttributeType.MessageIntegrity && mi < 0)
            {
                if (valueLength != MessageIntegrityLength) return StunParseStatus.BadMessageIntegrity;
                mi = offset;
            }
            else if (type == (ushort)StunAttributeType.Fingerprint)
            {
                if (valueLength != FingerprintLength) return StunParseStatus.BadFingerprint;
                fp = offset;
            }
            offset = end;
        }
        result = new StunMessage(message, mi, fp);
        return StunParseStatus.Ok;
    }

    /// <summary>Finds the first attribute of a type that MESSAGE-INTEGRITY covers. RFC 8489 §14.5: attributes
    /// after MESSAGE-INTEGRITY (other than FINGERPRINT) are ignored, so they are never returned here.</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        foreach (StunAttribute attribute in Attributes)
        {
            if (_messageIntegrityOffset >= 0 && attribute.Offset > _messageIntegrityOffset
                && attribute.Type != (ushort)StunAttributeType.Fingerprint)
            {
                continue;
            }
            if (attribute.Type == (ushort)type)
            {
                value = attribute.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Whether a (covered) attribute of this type is present.</summary>
    public bool HasAttribute(StunAttributeType type) => TryGetAttribute(type, out _);

    /// <summary>Reads a 4-byte attribute such as PRIORITY.</summary>
    public bool TryGetUInt32(StunAttributeType type, out uint value)
    {
        value = 0;
        if (!TryGetAttribute(type, out ReadOnlySpan<byte> raw) || raw.Length != 4) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(raw);
        return true;
    }

    /// <summary>Reads an 8-byte attribute such as ICE-CONTROLLING's tie-breaker.</summary>
    public bool TryGetUInt64(StunAttributeType type, out ulong value)
    {
        value = 0;
        if (!TryGetAttribute(type, out ReadOnlySpan<byte> raw) || raw.Length != 8) return false;
        value = BinaryPrimitives.ReadUInt64BigEndian(raw);
        return true;
    }

    /// <summary>Decodes XOR-MAPPED-ADDRESS into <paramref name="address"/> (4 or 16 bytes).</summary>
    public bool TryGetXorMappedAddress(Span<byte> address, out int addressLength, out ushort port)
    {
        addressLength = 0;
        port = 0;
        return TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> raw)
            && StunAddressAttribute.TryReadXor(raw, TransactionId, address, out addressLength, out port);
    }

    /// <summary>Decodes MAPPED-ADDRESS into <paramref name="address"/> (4 or 16 bytes).</summary>
    public bool TryGetMappedAddress(Span<byte> address, out int addressLength, out ushort port)
    {
        addressLength = 0;
        port = 0;
        return TryGetAttribute(StunAttributeType.MappedAddress, out ReadOnlySpan<byte> raw)
            && StunAddressAttribute.TryRead(raw, address, out addressLength, out port);
    }

    /// <summary>RFC 8489 §14.5: checks MESSAGE-INTEGRITY (HMAC-SHA1) in constant time. For short-term credentials
    /// the key is the password's bytes; for long-term ones it is MD5(username ":" realm ":" password).</summary>
    public StunIntegrityStatus VerifyMessageIntegrity(ReadOnlySpan<byte> key)
    {
        if (_messageIntegrityOffset < 0) return StunIntegrityStatus.Missing;
        return StunIntegrity.VerifyMessageIntegrity(_message, _messageIntegrityOffset, key)
            ? StunIntegrityStatus.Ok
            : StunIntegrityStatus.Mismatch;
    }

    /// <summary>RFC 8489 §14.7: checks FINGERPRINT (CRC-32 XOR 0x5354554E).</summary>
    public StunIntegrityStatus VerifyFingerprint()
    {
        if (_fingerprintOffset < 0) return StunIntegrityStatus.Missing;
        return StunIntegrity.VerifyFingerprint(_message, _fingerprintOffset)
            ? StunIntegrityStatus.Ok
            : StunIntegrityStatus.Mismatch;
    }

    internal static int Pad4(int length) => (length + 3) & ~3;
}
