namespace Conclave.Sfu.Routing;

/// <summary>An m= section of the offer the client sends on: its mid and what it carries.</summary>
public sealed record PublishRequest(string Mid, TrackSource Source);

/// <summary>An m= section of the offer the client receives on, and the track (producer id) it wants there.</summary>
public sealed record SubscribeRequest(string Mid, string TrackId);

/// <summary>The outcome of <see cref="Router.Negotiate"/>: the SDP answer, or an error code and message.</summary>
public sealed record NegotiationResult(string? AnswerSdp, string? ErrorCode, string? ErrorMessage, bool TracksChanged)
{
    /// <summary>Error code: the SDP is malformed or lacks what WebRTC needs.</summary>
    public const string BadSdp = "bad-sdp";

    /// <summary>Error code: a published section is not usable as declared.</summary>
    public const string BadTrack = "bad-track";

    internal static NegotiationResult Fail(string code, string message) => new(null, code, message, false);
}
