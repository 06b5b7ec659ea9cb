namespace Conclave.Media.Transport.Rtcp;

/// <summary>Outcome of parsing RTCP. The data plane never throws.</summary>
public enum RtcpParseStatus
{
    /// <summary>Well formed.</summary>
    Ok = 0,
    /// <summary>The buffer ends before the header or before the length the header announces.</summary>
    TooShort,
    /// <summary>RFC 3550 §6.4.1: version is not 2.</summary>
    BadVersion,
    /// <summary>RFC 3550 §6.4.1: the P bit is set but the count is zero, larger than the packet, or not on the last packet.</summary>
    BadPadding,
    /// <summary>The packet type / FMT is not the one the typed reader expects.</summary>
    WrongType,
    /// <summary>The body disagrees with its own counts or lengths (report count, chunk terminator, FCI size…).</summary>
    Malformed,
}
