namespace Conclave.Media.Transport.Rtcp;

/// <summary>RTCP packet type numbers (RFC 3550 §12.1, RFC 4585 §6.1) and feedback FMT values.</summary>
public static class RtcpPacketType
{
    /// <summary>RFC 3550 §6.4.1.</summary>
    public const byte SenderReport = 200;
    /// <summary>RFC 3550 §6.4.2.</summary>
    public const byte ReceiverReport = 201;
    /// <summary>RFC 3550 §6.5.</summary>
    public const byte SourceDescription = 202;
    /// <summary>RFC 3550 §6.6.</summary>
    public const byte Goodbye = 203;
    /// <summary>RFC 3550 §6.7.</summary>
    public const byte ApplicationDefined = 204;
    /// <summary>RFC 4585 §6.1 transport layer feedback.</summary>
    public const byte TransportFeedback = 205;
    /// <summary>RFC 4585 §6.1 payload-specific feedback.</summary>
    public const byte PayloadFeedback = 206;

    /// <summary>RTPFB FMT 1, RFC 4585 §6.2.1.</summary>
    public const int FormatGenericNack = 1;
    /// <summary>RTPFB FMT 15, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.</summary>
    public const int FormatTransportCc = 15;
    /// <summary>PSFB FMT 1, RFC 4585 §6.3.1.</summary>
    public const int FormatPictureLossIndication = 1;
    /// <summary>PSFB FMT 4, RFC 5104 §4.3.1.</summary>
    public const int FormatFullIntraRequest = 4;
    /// <summary>PSFB FMT 15 application layer feedback, RFC 4585 §6.4 (REMB lives here).</summary>
    public const int FormatApplicationLayer = 15;
}
