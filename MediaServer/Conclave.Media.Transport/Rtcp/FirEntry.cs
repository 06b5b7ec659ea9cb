namespace Conclave.Media.Transport.Rtcp;

/*  RFC 5104 §4.3.1.2 FIR FCI entry
    |                              SSRC                             |
    | Seq nr.       |    Reserved (0)                               |
*/
/// <summary>One FIR request: the media sender asked to send a decoder refresh, and the command sequence number.</summary>
public readonly record struct FirEntry(uint Ssrc, byte SequenceNumber);
