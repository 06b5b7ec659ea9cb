using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Sfu.Forwarding;

/*  RFC 4588 §4 Retransmission Payload Format
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                         RTP Header                            |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |            OSN                |                               |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
    |                  Original RTP Packet Payload                  |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    RTP header: the RTX SSRC (SSRC-multiplexing, §4), the RTX payload type, the RTX stream's own sequence number
    (§4: one higher than the previous RTX packet), the original timestamp (§4: MUST) and marker; the original CSRC
    list and header extensions are copied, as libwebrtc and pion do. The original padding (RFC 3550 §5.1) is not
    payload and is not carried: P is cleared.
*/
/// <summary>
/// Builds RFC 4588 retransmission packets for one RTX stream (one per consumer that negotiated rtx), keeping the
/// stream's sequence number counter. The payload, end-to-end encrypted, is copied as opaque bytes.
/// </summary>
/// <remarks>Not thread-safe: one instance per RTX stream, on its consumer's packet path.</remarks>
public sealed class RtxPacketizer
{
    /// <summary>Length of the OSN field that precedes the original payload.</summary>
    public const int OsnLength = 2;

    /// <summary>Creates the packetizer for one RTX stream.</summary>
    /// <param name="ssrc">The RTX stream's SSRC (a=ssrc-group:FID).</param>
    /// <param name="payloadType">The rtx payload type associated with the media one (a=fmtp:… apt=…), 0–127.</param>
    /// <param name="initialSequenceNumber">The first RTX sequence number; RFC 3550 §5.1 asks for a random one.</param>
    public RtxPacketizer(uint ssrc, byte payloadType, ushort initialSequenceNumber)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadType, (byte)127);
        Ssrc = ssrc;
        PayloadType = payloadType;
        NextSequenceNumber = initialSequenceNumber;
    }

    /// <summary>The RTX SSRC.</summary>
    public uint Ssrc { get; }

    /// <summary>The RTX payload type.</summary>
    public byte PayloadType { get; }

    /// <summary>The sequence number the next RTX packet gets.</summary>
    public ushort NextSequenceNumber { get; private set; }

    /// <summary>Length of the RTX packet built from <paramref name="original"/>: its header, the OSN, its payload.</summary>
    public static int GetWrittenLength(in RtpHeader original) => original.HeaderLength + OsnLength + original.PayloadLength;

    /// <summary>
    /// Writes the RTX packet for <paramref name="original"/> (already rewritten for the subscriber: its sequence number
    /// becomes the OSN) and advances <see cref="NextSequenceNumber"/>. <paramref name="destination"/> may start at the
    /// original itself (in-place conversion, given <see cref="OsnLength"/> spare bytes) but not overlap it otherwise.
    /// False, with nothing advanced, if it is too small or overlaps wrongly. Never allocates.
    /// </summary>
    public bool TryWrite(in RtpHeader original, Span<byte> destination, out int written)
    {
        written = 0;
        ReadOnlySpan<byte> source = original.Packet;
        int headerLength = original.HeaderLength;
        int payloadLength = original.PayloadLength;
        int length = headerLength + OsnLength + payloadLength;
        if (destination.Length < length) return false;
        if (source.Overlaps(destination, out int offset) && offset != 0) return false;
        ushort originalSequenceNumber = original.SequenceNumber;

        // Payload first: converting in place moves it up by OsnLength over its own bytes, before the OSN lands there.
        source.Slice(headerLength, payloadLength).CopyTo(destination[(headerLength + OsnLength)..]);
        source[..headerLength].CopyTo(destination);
        destination[0] &= 0xDF;                                                  // P = 0
        RtpHeaderEditor.SetPayloadType(destination, PayloadType);               // keeps M
        RtpHeaderEditor.SetSequenceNumber(destination, NextSequenceNumber);
        RtpHeaderEditor.SetSsrc(destination, Ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(destination[headerLength..], originalSequenceNumber);   // RFC 4588 §4: OSN
        NextSequenceNumber++;
        written = length;
        return true;
    }
}
