namespace Conclave.Signaling.Protocol;

/// <summary>WebSocket close codes the server uses (RFC 6455 §7.4; 4000-4999 are ours).</summary>
public static class CloseCodes
{
    /// <summary>RFC 6455 §7.4.1: orderly close.</summary>
    public const int Normal = 1000;
    /// <summary>RFC 6455 §7.4.1: the server is shutting down.</summary>
    public const int GoingAway = 1001;
    /// <summary>RFC 6455 §7.4.1: policy violation; used for repeat offenders (too many invalid or rate-limited messages).</summary>
    public const int PolicyViolation = 1008;
    /// <summary>RFC 6455 §7.4.1: a message too big to process.</summary>
    public const int MessageTooBig = 1009;
    /// <summary>No valid <c>hello</c> arrived in time.</summary>
    public const int AuthenticationTimeout = 4001;
    /// <summary>The session was resumed by another connection.</summary>
    public const int SessionReplaced = 4002;
    /// <summary>The session expired (missed heartbeats).</summary>
    public const int SessionExpired = 4003;
}
