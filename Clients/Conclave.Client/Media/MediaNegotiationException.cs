namespace Conclave.Client.Media;

/// <summary>The remote SDP cannot be used for a WebRTC media connection.</summary>
public sealed class MediaNegotiationException : Exception
{
    public MediaNegotiationException(string message)
        : base(message)
    {
    }

    public MediaNegotiationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MediaNegotiationException()
    {
    }
}
