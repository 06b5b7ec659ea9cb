namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.2.1 Generic NACK FCI
    |            PID                |             BLP               |
    PID: a lost sequence number. BLP bit i (LSB = bit 0) set: PID + i + 1 is lost too.
*/
/// <summary>One PID/BLP pair of a Generic NACK.</summary>
public readonly record struct NackPair(ushort PacketId, ushort LostBitmask)
{
    /// <summary>Number of sequence numbers this pair reports lost (1–17).</summary>
    public int LostCount => 1 + System.Numerics.BitOperations.PopCount(LostBitmask);

    /// <summary>Writes the lost sequence numbers in ascending (wrapping) order; returns how many were written.</summary>
    public int CopyLostTo(Span<ushort> destination)
    {
        if (destination.Length < LostCount) return 0;
        int n = 0;
        destination[n++] = PacketId;
        for (int i = 0; i < 16; i++)
            if ((LostBitmask & (1 << i)) != 0) destination[n++] = (ushort)(PacketId + i + 1);
        return n;
    }
}
