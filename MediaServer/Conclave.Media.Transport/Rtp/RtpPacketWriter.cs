using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/*  RFC 3550 §5.1 (fixed header, CSRCs), §5.3.1 (extension), §5.1 P bit
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    |                           timestamp                           |
    |           synchronization source (SSRC) identifier            |
    |            contributing source (CSRC) identifiers             |
    |      defined by profile       |           length              |
    |                        header extension                       |
    |                            payload ...                        |
    |                               |  padding ...  | padding count |
*/
/// <summary>Writes an RTP packet into a caller span (pion's MarshalTo/MarshalSize contract).</summary>
public ref struct RtpPacketWriter
{
    /// <summary>The M bit.</summary>
    public bool Marker;
    /// <summary>The PT field (7 bits).</summary>
    public byte PayloadType;
    /// <summary>The sequence number.</summary>
    public ushort SequenceNumber;
    /// <summary>The RTP timestamp.</summary>
    public uint Timestamp;
    /// <summary>The SSRC.</summary>
    public uint Ssrc;
    /// <summary>Up to 15 CSRCs.</summary>
    public ReadOnlySpan<uint> Csrcs;
    /// <summary>True to write an extension block (X=1), even with an empty body.</summary>
    public bool HasExtension;
    /// <summary>The extension header's "defined by profile" field.</summary>
    public ushort ExtensionProfile;
    /// <summary>The extension body, a multiple of 4 bytes (see <see cref="RtpHeaderExtensionWriter"/>).</summary>
    public ReadOnlySpan<byte> ExtensionData;
    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload;
    /// <summary>Padding bytes to append (0 = none), the last one holding the count (RFC 3550 §5.1).</summary>
    public byte PaddingLength;

    /// <summary>Length of the header (fixed + CSRCs + extension).</summary>
    public readonly int GetHeaderLength()
        => RtpHeader.FixedLength + 4 * Csrcs.Length + (HasExtension ? 4 + ExtensionData.Length : 0);

    /// <summary>Total bytes <see cref="TryWrite"/> produces.</summary>
    public readonly int GetWrittenLength() => GetHeaderLength() + Payload.Length + PaddingLength;

    /// <summary>Writes the packet. False if the destination is too small or a field is out of range.</summary>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (Csrcs.Length > 15 || PayloadType > 127) return false;
        if (HasExtension && (ExtensionData.Length % 4 != 0 || ExtensionData.Length > 4 * ushort.MaxValue)) return false;
        int total = GetWrittenLength();
        if (destination.Length < total) return false;
        destination[0] = (byte)(0x80 | (PaddingLength != 0 ? 0x20 : 0) | (HasExtension ? 0x10 : 0) | Csrcs.Length);
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        int offset = RtpHeader.FixedLength;
        for (int i = 0; i < Csrcs.Length; i++, offset += 4)
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Csrcs[i]);
        if (HasExtension)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], ExtensionProfile);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], (ushort)(ExtensionData.Length / 4));
            ExtensionData.CopyTo(destination[(offset + 4)..]);
            offset += 4 + ExtensionData.Length;
        }
        Payload.CopyTo(destination[offset..]);
        offset += Payload.Length;
        if (PaddingLength != 0)
        {
            destination.Slice(offset, PaddingLength - 1).Clear();
            destination[offset + PaddingLength - 1] = PaddingLength;
            offset += PaddingLength;
        }
        written = offset;
        return true;
    }

    /// <summary>Copies every field of a parsed header (the payload and extension slices borrow its buffer).</summary>
    public static RtpPacketWriter From(in RtpHeader header, Span<uint> csrcScratch)
    {
        int cc = header.CsrcCount;
        for (int i = 0; i < cc; i++) csrcScratch[i] = header.GetCsrc(i);
        return new RtpPacketWriter
        {
            Marker = header.Marker,
            PayloadType = header.PayloadType,
            SequenceNumber = header.SequenceNumber,
            Timestamp = header.Timestamp,
            Ssrc = header.Ssrc,
            Csrcs = csrcScratch[..cc],
            HasExtension = header.HasExtension,
            ExtensionProfile = header.ExtensionProfile,
            ExtensionData = header.ExtensionData,
            Payload = header.Payload,
            PaddingLength = (byte)header.PaddingLength,
        };
    }
}
