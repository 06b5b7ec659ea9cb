namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8866 §6.7 media direction attributes; absent means <see cref="SendRecv"/>.</summary>
public enum MediaDirection
{
    /// <summary><c>a=sendrecv</c>.</summary>
    SendRecv,
    /// <summary><c>a=sendonly</c>.</summary>
    SendOnly,
    /// <summary><c>a=recvonly</c>.</summary>
    RecvOnly,
    /// <summary><c>a=inactive</c>.</summary>
    Inactive,
}
