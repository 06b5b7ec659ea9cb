namespace Conclave.Media.Transport.Rtcp;

/// <summary>SDES item types (RFC 3550 §6.5, RFC 8843 §15.4 MID, RFC 8852 §4 RID/RRID).</summary>
public enum SdesItemType : byte
{
    /// <summary>End of the item list (null octet).</summary>
    End = 0,
    /// <summary>Canonical end-point identifier, RFC 3550 §6.5.1.</summary>
    CName = 1,
    /// <summary>User name.</summary>
    Name = 2,
    /// <summary>Electronic mail address.</summary>
    Email = 3,
    /// <summary>Phone number.</summary>
    Phone = 4,
    /// <summary>Geographic location.</summary>
    Location = 5,
    /// <summary>Application or tool name.</summary>
    Tool = 6,
    /// <summary>Notice/status.</summary>
    Note = 7,
    /// <summary>Private extensions.</summary>
    Private = 8,
    /// <summary>RFC 8843 media identification.</summary>
    Mid = 12,
    /// <summary>RFC 8852 RtpStreamId.</summary>
    RtpStreamId = 13,
    /// <summary>RFC 8852 RepairedRtpStreamId.</summary>
    RepairedRtpStreamId = 14,
}
