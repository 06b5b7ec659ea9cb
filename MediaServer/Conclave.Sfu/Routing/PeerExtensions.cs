namespace Conclave.Sfu.Routing;

/// <summary>The ids a participant's offer gave the RTP header extensions the SFU reads on what it publishes
/// (RFC 8285; 0: not offered). BUNDLE makes them one set per PeerConnection (RFC 8843 §9.2).</summary>
/// <param name="MidId">sdes:mid (RFC 8843 §15): binds a new SSRC to its m= section.</param>
/// <param name="AudioLevelId">ssrc-audio-level (RFC 6464): the active speaker.</param>
/// <param name="StreamIdId">sdes:rtp-stream-id (RFC 8852 §3.3): binds a new SSRC to its simulcast encoding.</param>
/// <param name="DescriptorId">The dependency descriptor (AV1 RTP spec, Appendix A): keyframes and resolutions.</param>
public sealed record PeerExtensions(int MidId, int AudioLevelId, int StreamIdId, int DescriptorId)
{
    /// <summary>Before the first offer: none.</summary>
    public static readonly PeerExtensions None = new(0, 0, 0, 0);
}
