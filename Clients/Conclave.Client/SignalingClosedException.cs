namespace Conclave.Client;

/// <summary>
/// The signaling connection ended before a request was answered, or a message was sent on a closed connection.
/// <see cref="CloseStatus"/> is the code of the server's close frame, or null when the connection dropped without one.
/// </summary>
public sealed class SignalingClosedException : SignalingException
{
    /// <summary>The <see cref="SignalingException.Code"/> of this exception.</summary>
    public const string ConnectionClosedCode = "connection-closed";

    /// <summary>Creates the exception.</summary>
    public SignalingClosedException(int? closeStatus, string message, Exception? innerException = null)
        : base(ConnectionClosedCode, message, innerException) => CloseStatus = closeStatus;

    /// <summary>The close code the server sent (see <see cref="Conclave.Signaling.Protocol.CloseCodes"/>), or null.</summary>
    public int? CloseStatus { get; }
}
