namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8285 §8: <c>a=extmap:&lt;value&gt;["/"&lt;direction&gt;] &lt;URI&gt; &lt;extensionattributes&gt;</c>.
/// Ids 1–14 fit the one-byte header; 15 is reserved there; 16–255 need the two-byte header (and
/// <c>a=extmap-allow-mixed</c> to be mixed with one-byte ids, RFC 8285 §6).
/// </summary>
public sealed record RtpHeaderExtension(int Id, MediaDirection? Direction, string Uri, string? Attributes)
{
    /// <summary>RFC 6464 client-to-mixer audio level.</summary>
    public const string AudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    /// <summary>RFC 8843 §15.1 MID.</summary>
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /// <summary>RFC 8852 §3.1 RtpStreamId.</summary>
    public const string RtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    /// <summary>RFC 8852 §3.2 RepairedRtpStreamId.</summary>
    public const string RepairedRtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    /// <summary>Transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01).</summary>
    public const string TransportWideCcUri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    /// <summary>Absolute send time (used with REMB).</summary>
    public const string AbsSendTimeUri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    /// <summary>AV1 RTP spec appendix A dependency descriptor.</summary>
    public const string DependencyDescriptorUri = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";
}
