namespace Conclave.Media.Transport.Rtcp;

/*  RFC 4585 §6.3.1 PLI (PSFB, FMT=1)
    |V=2|P| FMT=1   |   PT=206      |          length=2             |
    |                  SSRC of packet sender                        |
    |                  SSRC of media source                         |
*/
/// <summary>Writes a PLI.</summary>
public struct PictureLossIndicationWriter : IRtcpPacketWriter
{
    /// <summary>SSRC of packet sender.</summary>
    public uint SenderSsrc;
    /// <summary>SSRC of media source.</summary>
    public uint MediaSsrc;

    /// <inheritdoc/>
    public readonly int GetWrittenLength() => FeedbackHeader.Length;

    /// <inheritdoc/>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < FeedbackHeader.Length) return false;
        FeedbackHeader.Write(destination, RtcpPacketType.FormatPictureLossIndication, RtcpPacketType.PayloadFeedback,
            FeedbackHeader.Length, SenderSsrc, MediaSsrc);
        written = FeedbackHeader.Length;
        return true;
    }
}
