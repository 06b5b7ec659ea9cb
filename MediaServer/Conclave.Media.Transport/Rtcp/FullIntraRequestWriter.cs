using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 5104 §4.3.1 FIR (PSFB, FMT=4)
    |V=2|P| FMT=4   |   PT=206      |          length               |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source = 0                     |
    |                              SSRC                             |
    | Seq nr.       |    Reserved = 0                               |
*/
/// <summary>Writes a FIR.</summary>
public ref struct FullIntraRequestWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc;
    /// <summary>One or more requests.</summary>
    public ReadOnlySpan<FirEntry> Entries;

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => FeedbackHeader.Length + 8 * Entries.Length;

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (Entries.IsEmpty || destination.Length < length || length > 4 * 65536) return false;
        // RFC 5104 §4.3.1.2: "SSRC of media source" is not used and SHALL be set to 0.
        FeedbackHeader.Write(destination, RtcpPacketType.FormatFullIntraRequest, RtcpPacketType.PayloadFeedback, length, SenderSsrc, 0);
        int offset = FeedbackHeader.Length;
        for (int i = 0; i < Entries.Length; i++, offset += 8)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Entries[i].Ssrc);
            destination[offset + 4] = Entries[i].SequenceNumber;
            destination.Slice(offset + 5, 3).Clear();                       // Reserved: SHALL be 0
        }
        written = length;
        return true;
    }
}
