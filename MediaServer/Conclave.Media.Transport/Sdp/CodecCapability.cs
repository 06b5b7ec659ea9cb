namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// A codec the server accepts, matched against offered payload types by <see cref="SdpAnswerBuilder"/>: encoding name
/// (case-insensitive), clock rate and channels; plus, for H.264, packetization-mode and profile (profile_idc and
/// profile-iop, RFC 6184 §8.2.2: the level may differ); for VP9 profile-id; for AV1 profile.
/// <see cref="Parameters"/> gives those identifying fmtp values; <see cref="Feedback"/> is what the server supports.
/// </summary>
public sealed record CodecCapability(string Name, int ClockRate, int? Channels, EquatableList<FormatParameter> Parameters, EquatableList<RtcpFeedback> Feedback)
{
    /// <summary>The recognised codec family.</summary>
    public CodecKind Kind => CodecInfo.Classify(Name);

    /// <summary>True when <paramref name="offered"/> is this codec.</summary>
    public bool Matches(Codec offered)
    {
        if (!string.Equals(offered.Name, Name, StringComparison.OrdinalIgnoreCase) || offered.ClockRate != ClockRate) return false;
        if ((offered.Channels ?? 1) != (Channels ?? 1)) return false;
        var probe = new Codec(-1, Name, ClockRate, Channels, Parameters, []);
        return Kind switch
        {
            CodecKind.H264 => CodecInfo.H264PacketizationMode(offered) == CodecInfo.H264PacketizationMode(probe)
                && CodecInfo.H264ProfileLevelId(offered) is { } a && CodecInfo.H264ProfileLevelId(probe) is { } b
                && a.ProfileIdc == b.ProfileIdc && a.ProfileIop == b.ProfileIop,
            CodecKind.Vp9 => CodecInfo.Vp9ProfileId(offered) == CodecInfo.Vp9ProfileId(probe),
            CodecKind.Av1 => CodecInfo.Av1Profile(offered) == CodecInfo.Av1Profile(probe),
            _ => true,
        };
    }
}
