namespace Conclave.Client.Media;

/// <summary>The server's reply to an echo offer: its SDP answer, and where to <c>DELETE</c> the session.</summary>
public sealed record EchoAnswer(string AnswerSdp, Uri Location);
