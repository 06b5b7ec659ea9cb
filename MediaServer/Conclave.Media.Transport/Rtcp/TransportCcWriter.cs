using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Rtcp;

/*  draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (RTPFB, FMT=15)
    |V=2|P|  FMT=15 |    PT=205     |           length              |
    |                     SSRC of packet sender                     |
    |                      SSRC of media source                     |
    |      base sequence number     |      packet status count      |
    |                 reference time                | fb pkt. count |
    |  packet chunks …  |  recv deltas …  | padding (P=1, count last) |
*/
/// <summary>
/// Writes transport-cc feedback for consecutive packets starting at <see cref="BaseSequenceNumber"/>.
/// Like libwebrtc, a body that is not a multiple of 4 is padded with the P bit set (RFC 3550 §6.4.1).
/// </summary>
public ref struct TransportCcWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc;
    /// <summary>SSRC of media source.</summary>
    public uint MediaSsrc;
    /// <summary>Sequence number of <c>Packets[0]</c>.</summary>
    public ushort BaseSequenceNumber;
    /// <summary>Reference time in 64 ms units (low 24 bits written).</summary>
    public int ReferenceTime;
    /// <summary>Feedback packet count.</summary>
    public byte FeedbackPacketCount;
    /// <summary>1–65535 packets, consecutive sequence numbers from <see cref="BaseSequenceNumber"/>.</summary>
    public ReadOnlySpan<TransportCcPacket> Packets;

    private readonly int GetUnpaddedLength()
    {
        int length = RtcpPacket.HeaderLength + 16;
        for (int i = 0; i < Packets.Length;)
        {
            TransportCcChunk.Encode(Packets, i, out int consumed);
            i += consumed;
            length += 2;
        }
        for (int i = 0; i < Packets.Length; i++) length += (int)Packets[i].Status;   // 1 or 2 delta bytes
        return length;
    }

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => BitShifter.AlignTo32(GetUnpaddedLength());

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (Packets.IsEmpty || Packets.Length > ushort.MaxValue) return false;
        for (int i = 0; i < Packets.Length; i++)
        {
            var p = Packets[i];
            if (p.SequenceNumber != (ushort)(BaseSequenceNumber + i)) return false;
            bool ok = p.Status switch
            {
                TransportCcStatus.NotReceived => true,
                TransportCcStatus.ReceivedSmallDelta => p.Delta is >= 0 and <= byte.MaxValue,
                TransportCcStatus.ReceivedLargeDelta => p.Delta is >= short.MinValue and <= short.MaxValue,
                _ => false,
            };
            if (!ok) return false;
        }
        int unpadded = GetUnpaddedLength();
        int length = BitShifter.AlignTo32(unpadded);
        if (destination.Length < length || length > 4 * 65536) return false;
        int pad = length - unpadded;
        FeedbackHeader.Write(destination, RtcpPacketType.FormatTransportCc, RtcpPacketType.TransportFeedback, length,
            SenderSsrc, MediaSsrc, padding: pad != 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], BaseSequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], (ushort)Packets.Length);
        BitShifter.WriteInt24BigEndian(destination[16..], ReferenceTime);
        destination[19] = FeedbackPacketCount;
        int offset = 20;
        for (int i = 0; i < Packets.Length; offset += 2)
        {
            ushort chunk = TransportCcChunk.Encode(Packets, i, out int consumed);
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], chunk);
            i += consumed;
        }
        for (int i = 0; i < Packets.Length; i++)
        {
            if (Packets[i].Status == TransportCcStatus.ReceivedSmallDelta)
                destination[offset++] = (byte)Packets[i].Delta;
            else if (Packets[i].Status == TransportCcStatus.ReceivedLargeDelta)
            {
                BinaryPrimitives.WriteInt16BigEndian(destination[offset..], (short)Packets[i].Delta);
                offset += 2;
            }
        }
        if (pad != 0)
        {
            destination[offset..(length - 1)].Clear();
            destination[length - 1] = (byte)pad;                          // RFC 3550 §6.4.1 padding count
        }
        written = length;
        return true;
    }
}
