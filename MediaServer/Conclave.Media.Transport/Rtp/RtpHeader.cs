using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/*  RFC 3550 §5.1 RTP Fixed Header Fields
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                           timestamp                           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |           synchronization source (SSRC) identifier            |
    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    |            contributing source (CSRC) identifiers             |
    |                             ....                              |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    RFC 3550 §5.3.1 Header Extension (X=1)
    |      defined by profile       |           length              |
    |                        header extension                       |
*/
/// <summary>Zero-copy view over an RTP packet (header, CSRCs, extension block, payload).</summary>
public readonly ref struct RtpHeader
{
    /// <summary>Length of the fixed header.</summary>
    public const int FixedLength = 12;

    private readonly ReadOnlySpan<byte> _packet;
    private readonly int _extensionOffset;   // offset of the 4-byte extension header, or 0 if X=0

    /// <summary>Fixed header + CSRCs + extension block, in bytes.</summary>
    public int HeaderLength { get; }

    /// <summary>Payload length in bytes, excluding padding.</summary>
    public int PayloadLength { get; }

    private RtpHeader(ReadOnlySpan<byte> p, int extensionOffset, int headerLength, int payloadLength)
    {
        _packet = p;
        _extensionOffset = extensionOffset;
        HeaderLength = headerLength;
        PayloadLength = payloadLength;
    }

    /// <summary>The version field (always 2 for a parsed header).</summary>
    public int Version => _packet[0] >> 6;

    /// <summary>The P bit.</summary>
    public bool HasPadding => (_packet[0] & 0x20) != 0;

    /// <summary>The X bit.</summary>
    public bool HasExtension => (_packet[0] & 0x10) != 0;

    /// <summary>The CC field.</summary>
    public int CsrcCount => _packet[0] & 0x0F;

    /// <summary>The M bit.</summary>
    public bool Marker => (_packet[1] & 0x80) != 0;

    /// <summary>The PT field.</summary>
    public byte PayloadType => (byte)(_packet[1] & 0x7F);

    /// <summary>The sequence number.</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    /// <summary>The RTP timestamp.</summary>
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(_packet[4..]);

    /// <summary>The SSRC.</summary>
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_packet[8..]);

    /// <summary>Returns CSRC <paramref name="index"/> (0 ≤ index &lt; <see cref="CsrcCount"/>).</summary>
    public uint GetCsrc(int index)
    {
        if ((uint)index >= (uint)CsrcCount) throw new ArgumentOutOfRangeException(nameof(index));
        return BinaryPrimitives.ReadUInt32BigEndian(_packet[(FixedLength + 4 * index)..]);
    }

    /// <summary>The "defined by profile" field of the extension header, or 0 if there is no extension.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(_packet[_extensionOffset..]) : (ushort)0;

    /// <summary>Offset in the packet of the extension body (after the 4-byte extension header), or 0 if none.</summary>
    public int ExtensionDataOffset => HasExtension ? _extensionOffset + 4 : 0;

    /// <summary>The extension body (length field × 4 bytes), empty if X=0.</summary>
    public ReadOnlySpan<byte> ExtensionData
        => HasExtension ? _packet[(_extensionOffset + 4)..HeaderLength] : default;

    /// <summary>Number of padding bytes at the end of the packet (including the count byte).</summary>
    public int PaddingLength => HasPadding ? _packet[^1] : 0;

    /// <summary>The payload, without padding.</summary>
    public ReadOnlySpan<byte> Payload => _packet.Slice(HeaderLength, PayloadLength);

    /// <summary>The whole packet this header was read from.</summary>
    public ReadOnlySpan<byte> Packet => _packet;

    /// <summary>Opens the RFC 8285 extension reader over <see cref="ExtensionData"/>.</summary>
    public RtpParseStatus TryGetExtensions(out RtpHeaderExtensionReader reader)
    {
        if (!HasExtension) { reader = default; return RtpParseStatus.UnknownExtensionProfile; }
        return RtpHeaderExtensionReader.TryCreate(ExtensionProfile, ExtensionData, out reader);
    }

    /// <summary>Parses <paramref name="p"/> as one RTP packet. Never throws, never allocates.</summary>
    public static RtpParseStatus TryRead(ReadOnlySpan<byte> p, out RtpHeader header)
    {
        header = default;
        if (p.Length < FixedLength) return RtpParseStatus.TooShort;
        if (p[0] >> 6 != 2) return RtpParseStatus.BadVersion;            // RFC 3550 §5.1: V=2
        int len = FixedLength + 4 * (p[0] & 0x0F);                       // CSRC list
        if (len > p.Length) return RtpParseStatus.TooShort;              // CC vs buffer (SIPSorcery bug)
        int extensionOffset = 0;
        if ((p[0] & 0x10) != 0)                                          // X bit, RFC 3550 §5.3.1
        {
            if (len + 4 > p.Length) return RtpParseStatus.TooShort;
            extensionOffset = len;
            len += 4 + 4 * BinaryPrimitives.ReadUInt16BigEndian(p[(len + 2)..]);
            if (len > p.Length) return RtpParseStatus.TooShort;
        }
        int pad = 0;
        if ((p[0] & 0x20) != 0)
        {
            // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
            pad = p[^1];
            if (pad == 0 || pad > p.Length - len) return RtpParseStatus.BadPadding;
        }
        header = new RtpHeader(p, extensionOffset, len, p.Length - len - pad);
        return RtpParseStatus.Ok;
    }
}
