using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.5 SDES
    |V=2|P|    SC   |  PT=SDES=202  |             length            |
    |                          SSRC/CSRC_1                          |
    | type | len | text … | … | 0 | 0 pad to 32 bits               |
*/
/// <summary>Writes an SDES packet; each chunk ends with 1–4 null octets (RFC 3550 §6.5).</summary>
public ref struct SdesWriter : IRtcpPacketWriter
{
    /// <summary>Up to 31 chunks.</summary>
    public ReadOnlySpan<SdesChunkContent> Chunks;

    /// <inheritdoc/>
    public readonly int GetWrittenLength()
    {
        int length = RtcpPacket.HeaderLength;
        for (int i = 0; i < Chunks.Length; i++) length += ChunkLength(Chunks[i]);
        return length;
    }

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (Chunks.Length > 31) return false;
        int length = GetWrittenLength();
        if (destination.Length < length || length > 4 * 65536) return false;
        for (int i = 0; i < Chunks.Length; i++)
        {
            var items = Chunks[i].Items.Span;
            for (int j = 0; j < items.Length; j++)
                if (items[j].Type == SdesItemType.End || items[j].Value.Length > 255) return false;
        }
        RtcpHeaderWriter.Write(destination, Chunks.Length, RtcpPacketType.SourceDescription, length);
        int offset = RtcpPacket.HeaderLength;
        for (int i = 0; i < Chunks.Length; i++)
        {
            int chunkStart = offset;
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Chunks[i].Source);
            offset += 4;
            var items = Chunks[i].Items.Span;
            for (int j = 0; j < items.Length; j++)
            {
                destination[offset] = (byte)items[j].Type;
                destination[offset + 1] = (byte)items[j].Value.Length;
                items[j].Value.Span.CopyTo(destination[(offset + 2)..]);
                offset += 2 + items[j].Value.Length;
            }
            int end = chunkStart + ChunkLength(Chunks[i]);
            destination[offset..end].Clear();                             // terminator + padding
            offset = end;
        }
        written = length;
        return true;
    }

    private static int ChunkLength(in SdesChunkContent chunk)
    {
        int length = 4;
        var items = chunk.Items.Span;
        for (int j = 0; j < items.Length; j++) length += 2 + items[j].Value.Length;
        return (length + 4) & ~3;                                         // at least one null octet
    }
}
