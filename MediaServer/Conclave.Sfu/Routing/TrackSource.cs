namespace Conclave.Sfu.Routing;

/// <summary>What a published track carries (the signaling <c>source</c> field).</summary>
public enum TrackSource
{
    /// <summary>Audio from a microphone.</summary>
    Microphone,

    /// <summary>Video from a camera.</summary>
    Camera,

    /// <summary>Video of a shared screen or window.</summary>
    Screen,
}

/// <summary>Helpers for <see cref="TrackSource"/>.</summary>
public static class TrackSources
{
    /// <summary>True for audio sources.</summary>
    public static bool IsAudio(this TrackSource source) => source == TrackSource.Microphone;

    /// <summary>The signaling name: <c>microphone</c>, <c>camera</c> or <c>screen</c>.</summary>
    public static string ToWire(this TrackSource source) => source switch
    {
        TrackSource.Microphone => "microphone",
        TrackSource.Camera => "camera",
        _ => "screen",
    };

    /// <summary>Parses the signaling name.</summary>
    public static bool TryParse(string? name, out TrackSource source)
    {
        switch (name)
        {
            case "microphone": source = TrackSource.Microphone; return true;
            case "camera": source = TrackSource.Camera; return true;
            case "screen": source = TrackSource.Screen; return true;
            default: source = default; return false;
        }
    }
}
