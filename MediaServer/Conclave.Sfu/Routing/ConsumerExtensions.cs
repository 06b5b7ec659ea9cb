namespace Conclave.Sfu.Routing;

/// <summary>The RTP header extensions a subscriber negotiated on the m= section it receives a track on (RFC 8285):
/// the ids its offer gave them (0: not offered), and whether it offered <c>a=extmap-allow-mixed</c> (RFC 8285 §6),
/// which two-byte elements such as a dependency descriptor with its template structure need.</summary>
/// <param name="MidId">sdes:mid (RFC 8843 §15).</param>
/// <param name="DescriptorId">The dependency descriptor (AV1 RTP spec, Appendix A), forwarded from the publisher.</param>
/// <param name="AllowTwoByte">a=extmap-allow-mixed was offered.</param>
/// <param name="TransportSequenceId">The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §2), stamped by the SFU on every packet so the subscriber's transport-cc feedback drives its bandwidth estimate;
/// 0 unless the subscriber offered both the extension and <c>a=rtcp-fb:* transport-cc</c> for the codec.</param>
public sealed record ConsumerExtensions(int MidId, int DescriptorId, bool AllowTwoByte, int TransportSequenceId);
