using System.Buffers.Binary;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.MediaServer.Media;

/// <summary>The SSRC mapping of the echo endpoint and the RTCP it sends back.
/// <para>Echoed media goes out under <c>ssrc ^ <see cref="SsrcMask"/></c>, so the browser never receives packets under
/// an SSRC it sends itself (RFC 3550 §8.2 would treat that as a collision or a loop). Its receiver then asks for
/// repairs about the echoed SSRC; those requests are turned back onto the browser's own sending SSRC, so its encoder
/// answers them: a PLI or FIR gives a keyframe, a NACK a retransmission.</para></summary>
public static class EchoFeedback
{
    /// <summary>XORed into every echoed SSRC (and back into feedback about it).</summary>
    public const uint SsrcMask = 0x5EC0_0EC0;

    private const int FeedbackHeaderLength = 12;        // RFC 4585 §6.1: header, SSRC of sender, SSRC of media source
    private const int FirEntryLength = 8;               // RFC 5104 §4.3.1.1: SSRC, seq nr, reserved

    /// <summary>The SSRC the echo uses for a browser SSRC, and back (XOR is its own inverse).</summary>
    public static uint MapSsrc(uint ssrc) => ssrc ^ SsrcMask;

    /// <summary>Copies the repair requests of <paramref name="compound"/> (generic NACK, PLI, FIR) into
    /// <paramref name="output"/> with their media SSRCs mapped back, and returns the bytes written (0 if none). Reports,
    /// SDES, BYE, REMB and transport-cc are about the echo's own streams and are not sent back. Never throws.</summary>
    public static int TranslateRepairRequests(ReadOnlySpan<byte> compound, Span<byte> output)
    {
        int written = 0;
        var reader = new RtcpCompoundReader(compound, allowPaddingOnAnyPacket: true);
        while (reader.TryReadNext(out RtcpPacket packet))
        {
            RtcpPacketKind kind = packet.Kind;
            if (kind is not (RtcpPacketKind.GenericNack or RtcpPacketKind.PictureLossIndication or RtcpPacketKind.FullIntraRequest)) continue;
            ReadOnlySpan<byte> data = packet.Data[..^packet.PaddingLength];
            if (data.Length < FeedbackHeaderLength || written + data.Length > output.Length) continue;
            Span<byte> copy = output.Slice(written, data.Length);
            data.CopyTo(copy);
            copy[0] &= 0xDF;                                                              // padding removed: P = 0
            BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)(data.Length / 4 - 1));
            MapSsrcAt(copy, 8);                                                           // media source SSRC
            if (kind == RtcpPacketKind.FullIntraRequest)
            {
                // RFC 5104 §4.3.1.2: the media source field is 0; each FCI entry names the SSRC to refresh.
                for (int offset = FeedbackHeaderLength; offset + FirEntryLength <= copy.Length; offset += FirEntryLength)
                {
                    MapSsrcAt(copy, offset);
                }
            }
            written += data.Length;
        }
        return written;
    }

    private static void MapSsrcAt(Span<byte> packet, int offset)
    {
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[offset..]);
        if (ssrc != 0) BinaryPrimitives.WriteUInt32BigEndian(packet[offset..], MapSsrc(ssrc));
    }
}
