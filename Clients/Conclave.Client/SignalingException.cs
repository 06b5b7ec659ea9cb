using Conclave.Signaling.Protocol;

namespace Conclave.Client;

/// <summary>
/// A signaling request failed: the server answered with an <c>error</c> message (then <see cref="Code"/> is one of
/// <see cref="ErrorCodes"/>), or with a reply of an unexpected type (<see cref="UnexpectedReplyCode"/>).
/// </summary>
public class SignalingException : Exception
{
    /// <summary>The code when the reply to a request was not the expected message type, or could not be decoded.</summary>
    public const string UnexpectedReplyCode = "unexpected-reply";

    /// <summary>Creates the exception.</summary>
    public SignalingException(string code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    /// <summary>The error code.</summary>
    public string Code { get; }

    /// <summary>The request id the error answered, when there was one.</summary>
    public string? RequestId { get; init; }
}
