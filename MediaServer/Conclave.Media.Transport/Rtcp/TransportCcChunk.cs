namespace Conclave.Media.Transport.Rtcp;

/*  draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.3 / §3.1.4 packet chunks (16 bits)
    Run length chunk:      |T=0| S |       Run Length (13)       |
    Status vector chunk:   |T=1|S=0|     symbol list: 14 × 1 bit |
                           |T=1|S=1|     symbol list:  7 × 2 bits|
*/
/// <summary>Decoding and encoding of the 16-bit transport-cc packet chunks.</summary>
internal static class TransportCcChunk
{
    public const int MaxRunLength = 0x1FFF;

    /// <summary>How many symbols the chunk holds.</summary>
    public static int Capacity(ushort chunk)
        => (chunk & 0x8000) == 0 ? chunk & MaxRunLength : (chunk & 0x4000) == 0 ? 14 : 7;

    /// <summary>Symbol <paramref name="index"/> (0 ≤ index &lt; Capacity).</summary>
    public static int Symbol(ushort chunk, int index)
    {
        if ((chunk & 0x8000) == 0) return (chunk >> 13) & 3;
        if ((chunk & 0x4000) == 0) return (chunk >> (13 - index)) & 1;
        return (chunk >> (12 - 2 * index)) & 3;
    }

    /// <summary>
    /// Encodes the chunk starting at <paramref name="start"/>: a run-length chunk for ≥ 14 equal symbols
    /// (or all remaining ones), else a 1-bit vector of 14 when no large deltas, else a 2-bit vector of 7.
    /// </summary>
    public static ushort Encode(ReadOnlySpan<TransportCcPacket> packets, int start, out int consumed)
    {
        int remaining = packets.Length - start;
        int first = (int)packets[start].Status;
        int run = 1;
        while (run < remaining && run < MaxRunLength && (int)packets[start + run].Status == first) run++;
        if (run >= 14 || run == remaining)
        {
            consumed = run;
            return (ushort)(first << 13 | run);
        }
        int k = Math.Min(14, remaining);
        bool oneBit = true;
        for (int j = 0; j < k; j++)
            if ((int)packets[start + j].Status > 1) { oneBit = false; break; }
        int chunk;
        if (oneBit)
        {
            chunk = 0x8000;
            for (int j = 0; j < k; j++) chunk |= (int)packets[start + j].Status << (13 - j);
            consumed = k;
        }
        else
        {
            k = Math.Min(7, remaining);
            chunk = 0xC000;
            for (int j = 0; j < k; j++) chunk |= (int)packets[start + j].Status << (12 - 2 * j);
            consumed = k;
        }
        return (ushort)chunk;
    }
}
