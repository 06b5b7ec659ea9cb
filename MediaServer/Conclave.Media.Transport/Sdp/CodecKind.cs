namespace Conclave.Media.Transport.Sdp;

/// <summary>Codecs the media plane knows; red, ulpfec, G.711, telephone-event and the rest are <see cref="Other"/>.</summary>
public enum CodecKind
{
    /// <summary>Anything not listed below.</summary>
    Other,
    /// <summary>Opus (RFC 7587), always <c>opus/48000/2</c>.</summary>
    Opus,
    /// <summary>VP8 (RFC 7741).</summary>
    Vp8,
    /// <summary>VP9 (RFC 9628).</summary>
    Vp9,
    /// <summary>H.264 (RFC 6184).</summary>
    H264,
    /// <summary>AV1 (AOM AV1 RTP specification).</summary>
    Av1,
    /// <summary>Retransmission (RFC 4588), tied to its primary by <c>apt=</c>.</summary>
    Rtx,
}
