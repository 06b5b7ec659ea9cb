using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// In-place rewriting of a packet the caller has already validated with <see cref="RtpHeader.TryRead"/>
/// (the SFU's munger rewrites SSRC/sequence/timestamp per consumer, RFC 3550 §5.1 offsets).
/// </summary>
public static class RtpHeaderEditor
{
    /// <summary>Sets the M bit.</summary>
    public static void SetMarker(Span<byte> packet, bool marker)
        => packet[1] = (byte)(marker ? packet[1] | 0x80 : packet[1] & 0x7F);

    /// <summary>Sets the PT field.</summary>
    public static void SetPayloadType(Span<byte> packet, byte payloadType)
        => packet[1] = (byte)((packet[1] & 0x80) | (payloadType & 0x7F));

    /// <summary>Sets the sequence number.</summary>
    public static void SetSequenceNumber(Span<byte> packet, ushort value)
        => BinaryPrimitives.WriteUInt16BigEndian(packet[2..], value);

    /// <summary>Sets the RTP timestamp.</summary>
    public static void SetTimestamp(Span<byte> packet, uint value)
        => BinaryPrimitives.WriteUInt32BigEndian(packet[4..], value);

    /// <summary>Sets the SSRC.</summary>
    public static void SetSsrc(Span<byte> packet, uint value)
        => BinaryPrimitives.WriteUInt32BigEndian(packet[8..], value);

    /// <summary>
    /// Finds extension element <paramref name="id"/> in <paramref name="packet"/> and returns its value
    /// as a writable slice (e.g. to stamp a transport-wide sequence number). False if absent or malformed.
    /// </summary>
    public static bool TryGetExtensionValue(Span<byte> packet, int id, out Span<byte> value)
    {
        value = default;
        if (RtpHeader.TryRead(packet, out var header) != RtpParseStatus.Ok) return false;
        if (header.TryGetExtensions(out var reader) != RtpParseStatus.Ok) return false;
        if (!reader.TryFindOffset(id, out int offset, out int length)) return false;
        value = packet.Slice(header.ExtensionDataOffset + offset, length);
        return true;
    }
}
