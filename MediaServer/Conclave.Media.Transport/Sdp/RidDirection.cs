namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8851 §10 <c>rid-dir</c>.</summary>
public enum RidDirection
{
    /// <summary><c>send</c>.</summary>
    Send,
    /// <summary><c>recv</c>.</summary>
    Recv,
}
