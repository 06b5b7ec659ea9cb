using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Rtcp;

/*  draft-alvestrand-rmcat-remb-03 §2.2
    |V=2|P| FMT=15  |   PT=206      |             length            |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source = 0                     |
    |  'R' 'E' 'M' 'B'                                              |
    |  Num SSRC     | BR Exp    |  BR Mantissa                      |
    |   SSRC feedback …                                             |
*/
/// <summary>Writes a REMB with the smallest exponent whose mantissa fits in 18 bits.</summary>
public ref struct ReceiverEstimatedMaxBitrateWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc;
    /// <summary>Estimated maximum bitrate in bits per second (low bits are truncated when exp &gt; 0).</summary>
    public ulong Bitrate;
    /// <summary>Up to 255 SSRCs.</summary>
    public ReadOnlySpan<uint> Ssrcs;

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => FeedbackHeader.Length + 8 + 4 * Ssrcs.Length;

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        int length = GetWrittenLength();
        if (Ssrcs.Length > 255 || destination.Length < length) return false;
        FeedbackHeader.Write(destination, RtcpPacketType.FormatApplicationLayer, RtcpPacketType.PayloadFeedback, length, SenderSsrc, 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], ReceiverEstimatedMaxBitrate.Identifier);
        int exponent = 0;
        while ((Bitrate >> exponent) > 0x3FFFF) exponent++;
        uint mantissa = (uint)(Bitrate >> exponent);
        destination[16] = (byte)Ssrcs.Length;
        BitShifter.WriteUInt24BigEndian(destination[17..], (uint)exponent << 18 | mantissa);
        for (int i = 0; i < Ssrcs.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination[(20 + 4 * i)..], Ssrcs[i]);
        written = length;
        return true;
    }
}
