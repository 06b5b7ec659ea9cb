namespace Conclave.Media.Transport.Rtcp;

/// <summary>Which typed view applies to an <see cref="RtcpPacket"/>.</summary>
public enum RtcpPacketKind
{
    /// <summary>Unknown type or FMT (pion's RawPacket): use <see cref="RtcpPacket.Data"/>.</summary>
    Raw = 0,
    /// <summary><see cref="SenderReport"/>.</summary>
    SenderReport,
    /// <summary><see cref="ReceiverReport"/>.</summary>
    ReceiverReport,
    /// <summary><see cref="SdesPacket"/>.</summary>
    SourceDescription,
    /// <summary><see cref="ByePacket"/>.</summary>
    Goodbye,
    /// <summary><see cref="GenericNack"/>.</summary>
    GenericNack,
    /// <summary><see cref="TransportCc"/>.</summary>
    TransportCc,
    /// <summary><see cref="PictureLossIndication"/>.</summary>
    PictureLossIndication,
    /// <summary><see cref="FullIntraRequest"/>.</summary>
    FullIntraRequest,
    /// <summary><see cref="ReceiverEstimatedMaxBitrate"/>.</summary>
    ReceiverEstimatedMaxBitrate,
}
