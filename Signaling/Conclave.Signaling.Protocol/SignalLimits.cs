namespace Conclave.Signaling.Protocol;

/// <summary>Bounds every signaling peer enforces.</summary>
public static class SignalLimits
{
    /// <summary>Largest message a client may send (the server closes with 1009 beyond it), after reassembly of
    /// WebSocket fragments.</summary>
    public const int MaxMessageBytes = 64 * 1024;
    /// <summary>Largest message a client accepts from the server. Only a roster grows past <see cref="MaxMessageBytes"/>:
    /// <c>joined</c> lists every participant with their device public keys and membership statement, about 2.4 kB each
    /// with an X-Wing key (1.2 MB for the largest call, 500 people).</summary>
    public const int MaxServerMessageBytes = 4 * 1024 * 1024;
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
    /// <summary>Longest membership statement (decoded): its fixed 134 bytes, a 64-byte signature and room, call and
    /// session ids of at most 256 UTF-8 bytes each, rounded up.</summary>
    public const int MaxMembershipStatementBytes = 1024;
    /// <summary>Most entries in one <c>e2ee-send</c>: one per other participant of the largest call.</summary>
    public const int MaxE2eeMessagesPerSend = 500;
    /// <summary>Longest <c>data</c> of one <c>e2ee-send</c> entry, in characters.</summary>
    public const int MaxE2eeDataLength = 8192;
}
