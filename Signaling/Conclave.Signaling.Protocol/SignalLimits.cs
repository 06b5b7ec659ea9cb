namespace Conclave.Signaling.Protocol;

/// <summary>Bounds every signaling peer enforces.</summary>
public static class SignalLimits
{
    /// <summary>Largest accepted message, after reassembly of WebSocket fragments.</summary>
    public const int MaxMessageBytes = 64 * 1024;
    /// <summary>Longest request id echoed back.</summary>
    public const int MaxRequestIdLength = 64;
    /// <summary>Longest token accepted in <c>hello</c>.</summary>
    public const int MaxTokenLength = 8 * 1024;
    /// <summary>Longest display name.</summary>
    public const int MaxDisplayNameLength = 64;
    /// <summary>Longest room name.</summary>
    public const int MaxRoomNameLength = 64;
    /// <summary>Longest SDP in an <c>offer</c> (the message cap minus room for the rest).</summary>
    public const int MaxSdpLength = 60 * 1024;
    /// <summary>Most publish or subscribe entries in one <c>offer</c>.</summary>
    public const int MaxSectionsPerOffer = 128;
    /// <summary>Longest mid (RFC 8285 one-byte header extensions carry at most 16 bytes).</summary>
    public const int MaxMidLength = 16;
    /// <summary>Largest width or height a client may ask for in <c>video-size</c> (8K is 7680 × 4320).</summary>
    public const int MaxVideoDimension = 16384;
}
