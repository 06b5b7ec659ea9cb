namespace Conclave.Bench.Sfu;

/// <summary>One simulcast encoding of the camera, lowest first as the offer lists them (RFC 8853).</summary>
/// <param name="Rid">RFC 8851 rid.</param>
/// <param name="Width">Encoded width, sent in the dependency descriptor's render resolution.</param>
/// <param name="Height">Encoded height.</param>
/// <param name="FramesPerSecond">Frames per second (three temporal layers, as libwebrtc's VP8 simulcast).</param>
/// <param name="PacketsPerSecond">Packets per second at rate scale 1, keyframes not counted.</param>
internal sealed record VideoEncoding(string Rid, int Width, int Height, int FramesPerSecond, double PacketsPerSecond);

/// <summary>What every simulated publisher sends: about what Chromium sends for a 720p camera with simulcast and a
/// microphone (payload sizes and rates, not content: payloads are random bytes).</summary>
internal static class MediaProfile
{
    public const byte OpusPayloadType = 111;
    public const byte Vp8PayloadType = 96;
    public const int AudioClockRate = 48_000;
    public const int VideoClockRate = 90_000;

    /// <summary>Opus at 20 ms packets (RFC 7587).</summary>
    public const double AudioPacketsPerSecond = 50;
    public const int MinAudioPayload = 80;
    public const int MaxAudioPayload = 120;

    /// <summary>Video packets fill about a datagram, as Chromium's packetizer does: 1,100-1,200 bytes of RTP.</summary>
    public const int MinVideoPacket = 1_100;
    public const int MaxVideoPacket = 1_200;

    /// <summary>A keyframe is this many times a delta frame's packets.</summary>
    public const int KeyframeSizeFactor = 4;

    /// <summary>Header extension ids, the same in every section of the BUNDLE (RFC 8843 §9.2).</summary>
    public const byte MidExtensionId = 1;
    public const byte RidExtensionId = 2;
    public const byte AudioLevelExtensionId = 3;
    public const byte DescriptorExtensionId = 4;

    /// <summary>The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), offered on
    /// receiving sections only: the SFU stamps it on what it sends and gets transport-cc feedback for it.</summary>
    public const byte TransportCcExtensionId = 5;

    public const string AudioMid = "0";
    public const string VideoMid = "1";

    public static readonly VideoEncoding[] Encodings =
    [
        new("q", 160, 90, 15, 15),
        new("h", 640, 360, 30, 45),
        new("f", 1280, 720, 30, 130),
    ];

    /// <summary>Temporal layers per encoding (L1T3, libwebrtc's default for VP8 simulcast).</summary>
    public const int TemporalLayers = 3;
}
