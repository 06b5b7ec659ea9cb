using System.Globalization;

namespace Conclave.Media.Transport.Sdp;

/// <summary>Codec recognition and the per-codec fmtp parameters the SFU cares about.</summary>
public static class CodecInfo
{
    /// <summary>RFC 3551 §6 static payload types, used when an m= line lists one without an rtpmap.</summary>
    internal static (string Name, int ClockRate, int? Channels)? StaticPayloadType(int pt) => pt switch
    {
        0 => ("PCMU", 8000, null),
        3 => ("GSM", 8000, null),
        4 => ("G723", 8000, null),
        8 => ("PCMA", 8000, null),
        9 => ("G722", 8000, null),
        13 => ("CN", 8000, null),
        18 => ("G729", 8000, null),
        26 => ("JPEG", 90000, null),
        31 => ("H261", 90000, null),
        34 => ("H263", 90000, null),
        _ => null,
    };

    /// <summary>Classifies an encoding name (case-insensitive, RFC 8866 §6.6).</summary>
    public static CodecKind Classify(string encodingName) => encodingName.ToUpperInvariant() switch
    {
        "OPUS" => CodecKind.Opus,
        "VP8" => CodecKind.Vp8,
        "VP9" => CodecKind.Vp9,
        "H264" => CodecKind.H264,
        "AV1" => CodecKind.Av1,
        "RTX" => CodecKind.Rtx,
        _ => CodecKind.Other,
    };

    /// <summary>True for RED (RFC 2198), ULPFEC (RFC 5109) and FlexFEC: repair formats, not media.</summary>
    public static bool IsRepairFormat(Codec codec) => codec.Name.ToUpperInvariant() is "RED" or "ULPFEC" or "FLEXFEC-03";

    /// <summary>Opus <c>minptime</c> (RFC 7587 §6.1), or null.</summary>
    public static int? OpusMinPtime(Codec codec) => ParseInt(codec.GetParameter("minptime"));

    /// <summary>Opus <c>useinbandfec=1</c> (RFC 7587 §6.1; default 0).</summary>
    public static bool OpusUseInbandFec(Codec codec) => codec.GetParameter("useinbandfec") == "1";

    /// <summary>VP9 <c>profile-id</c> (RFC 9628 §6; default 0).</summary>
    public static int Vp9ProfileId(Codec codec) => ParseInt(codec.GetParameter("profile-id")) ?? 0;

    /// <summary>AV1 <c>profile</c> (AV1 RTP spec §7.2.1; default 0).</summary>
    public static int Av1Profile(Codec codec) => ParseInt(codec.GetParameter("profile")) ?? 0;

    /// <summary>H.264 <c>packetization-mode</c> (RFC 6184 §8.1; default 0).</summary>
    public static int H264PacketizationMode(Codec codec) => ParseInt(codec.GetParameter("packetization-mode")) ?? 0;

    /// <summary>H.264 <c>level-asymmetry-allowed=1</c> (RFC 6184 §8.1; default 0).</summary>
    public static bool H264LevelAsymmetryAllowed(Codec codec) => codec.GetParameter("level-asymmetry-allowed") == "1";

    /// <summary>
    /// H.264 <c>profile-level-id</c> (RFC 6184 §8.1): three bytes profile_idc, profile-iop, level_idc as 6 hex digits;
    /// default 42000A (Constrained Baseline-compatible Baseline, level 1.0). Null when malformed.
    /// </summary>
    public static (byte ProfileIdc, byte ProfileIop, byte LevelIdc)? H264ProfileLevelId(Codec codec)
    {
        string value = codec.GetParameter("profile-level-id") ?? "42000a";
        if (value.Length != 6 || !uint.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint v))
            return null;
        return ((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    private static int? ParseInt(string? s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null;
}
