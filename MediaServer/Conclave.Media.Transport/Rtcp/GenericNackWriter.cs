using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.2.1 Generic NACK (RTPFB, FMT=1)
    |V=2|P| FMT=1   |   PT=205      |          length               |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source                         |
    |            PID                |             BLP               |  …
*/
/// <summary>
/// Writes a Generic NACK from lost sequence numbers sorted ascending in wrapping order
/// (e.g. 65534, 65535, 0, 1). Each PID covers itself and the next 16; duplicates are skipped.
/// </summary>
public ref struct GenericNackWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc;
    /// <summary>SSRC of media source.</summary>
    public uint MediaSsrc;
    /// <summary>Lost sequence numbers, sorted in wrapping order.</summary>
    public ReadOnlySpan<ushort> LostSequenceNumbers;

    /// <summary>How many PID/BLP pairs the list packs into.</summary>
    public static int CountPairs(ReadOnlySpan<ushort> lost)
    {
        int pairs = 0;
        for (int i = 0; i < lost.Length;)
        {
            i = NextPair(lost, i, out _);
            pairs++;
        }
        return pairs;
    }

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => 12 + 4 * CountPairs(LostSequenceNumbers);

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (LostSequenceNumbers.IsEmpty) return false;                    // RFC 4585 §6.2.1: at least one FCI
        int length = GetWrittenLength();
        if (destination.Length < length || length > 4 * 65536) return false;
        RtcpHeaderWriter.Write(destination, RtcpPacketType.FormatGenericNack, RtcpPacketType.TransportFeedback, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], MediaSsrc);
        int offset = 12;
        for (int i = 0; i < LostSequenceNumbers.Length; offset += 4)
        {
            ushort pid = LostSequenceNumbers[i];
            i = NextPair(LostSequenceNumbers, i, out ushort blp);
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], pid);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], blp);
        }
        written = length;
        return true;
    }

    // Packs lost[start] as PID and following entries within PID+1..PID+16 into BLP; returns the next start.
    private static int NextPair(ReadOnlySpan<ushort> lost, int start, out ushort blp)
    {
        ushort pid = lost[start];
        int bits = 0;
        int i = start + 1;
        for (; i < lost.Length; i++)
        {
            int diff = (ushort)(lost[i] - pid);
            if (diff == 0) continue;                                      // duplicate of the PID
            if (diff > 16) break;
            bits |= 1 << (diff - 1);
        }
        blp = (ushort)bits;
        return i;
    }
}
