namespace Conclave.Client.Media.Video;

/// <summary>
/// What Conclave reads of an encoded VP8 frame (RFC 6386 §9.1, the uncompressed data chunk): whether it is a keyframe,
/// and how many of its first bytes stay in clear when it is SFrame-encrypted (docs/e2ee.md, "VP8 video"): 10 on a
/// keyframe (frame tag, start code, dimensions), 3 otherwise, authenticated as SFrame metadata. The call page's
/// frame worker keeps the same bytes in clear.
/// </summary>
public static class Vp8Frame
{
    /// <summary>Bytes of a keyframe's uncompressed data chunk.</summary>
    public const int KeyframeHeaderLength = 10;

    /// <summary>Bytes of an interframe's uncompressed data chunk (the frame tag).</summary>
    public const int InterframeHeaderLength = 3;

    /// <summary>RFC 6386 §9.1: the frame tag's first bit is 0 on a keyframe.</summary>
    public static bool IsKeyframe(ReadOnlySpan<byte> frame) => frame.Length > 0 && (frame[0] & 0x01) == 0;

    /// <summary>The bytes to leave in clear: 10 or 3; -1 when the frame is too short to be VP8.</summary>
    public static int ClearPrefixLength(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < InterframeHeaderLength) return -1;
        int length = IsKeyframe(frame) ? KeyframeHeaderLength : InterframeHeaderLength;
        return frame.Length >= length ? length : -1;
    }
}
