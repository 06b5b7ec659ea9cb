namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.5 SDES: Source Description RTCP Packet
            0                   1                   2                   3
    header |V=2|P|    SC   |  PT=SDES=202  |             length            |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    chunk  |                          SSRC/CSRC_1                          |
      1    |                           SDES items                          |
           |                              ...                              |
           +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    chunk  |                          SSRC/CSRC_2                          | …
    Item: |    type       |     length    | text (length octets) ...
    "The list of items in each chunk MUST be terminated by one or more null octets …
     followed by null octets until the next 32-bit boundary."
*/
/// <summary>Zero-copy view of an SDES packet; the whole chunk structure is validated on read.</summary>
public readonly ref struct SdesPacket
{
    private readonly ReadOnlySpan<byte> _body;

    private SdesPacket(ReadOnlySpan<byte> data, ReadOnlySpan<byte> body, int count) { Data = data; _body = body; ChunkCount = count; }

    /// <summary>The whole packet.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>SC: number of chunks.</summary>
    public int ChunkCount { get; }

    /// <summary>Iterates the chunks.</summary>
    public SdesChunkEnumerator GetChunks() => new(_body, ChunkCount);

    /// <summary>Reads the SDES packet at the start of <paramref name="buffer"/>.</summary>
    public static RtcpParseStatus TryRead(ReadOnlySpan<byte> buffer, out SdesPacket sdes)
    {
        sdes = default;
        var status = RtcpPacket.TryRead(buffer, out var packet);
        return status != RtcpParseStatus.Ok ? status : TryRead(packet, out sdes);
    }

    /// <summary>Reads an SDES packet from a packet yielded by <see cref="RtcpCompoundReader"/>.</summary>
    public static RtcpParseStatus TryRead(RtcpPacket packet, out SdesPacket sdes)
    {
        sdes = default;
        if (packet.PacketType != RtcpPacketType.SourceDescription) return RtcpParseStatus.WrongType;
        var body = packet.Body;
        int offset = 0;
        for (int i = 0; i < packet.Count; i++)
        {
            offset = SkipChunk(body, offset, out _);
            if (offset < 0) return RtcpParseStatus.Malformed;
        }
        if (offset != body.Length) return RtcpParseStatus.Malformed;      // bytes beyond SC chunks
        sdes = new SdesPacket(packet.Data, body, packet.Count);
        return RtcpParseStatus.Ok;
    }

    // Returns the offset of the next chunk, or -1 if the chunk at `offset` is malformed.
    internal static int SkipChunk(ReadOnlySpan<byte> body, int offset, out int itemsEnd)
    {
        itemsEnd = 0;
        if (offset + 4 > body.Length) return -1;
        int at = offset + 4;
        while (true)
        {
            if (at >= body.Length) return -1;                              // RFC 3550 §6.5: MUST be terminated
            if (body[at] == 0) break;
            if (at + 2 > body.Length) return -1;
            at += 2 + body[at + 1];
        }
        itemsEnd = at;
        int next = (at + 4) & ~3;                                          // null octet(s) to the 32-bit boundary
        if (next > body.Length) return -1;
        for (int i = at; i < next; i++)
            if (body[i] != 0) return -1;
        return next;
    }
}
