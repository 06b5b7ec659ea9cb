namespace Conclave.Client.Media.Video;

/// <summary>How a bot's video is encoded: a file's picture is scaled down (never up) to fit, keeping its shape.</summary>
public sealed record VideoSettings
{
    /// <summary>The widest picture sent. Default 640.</summary>
    public int MaxWidth { get; init; } = 640;

    /// <summary>The tallest picture sent. Default 360.</summary>
    public int MaxHeight { get; init; } = 360;

    /// <summary>Frames per second. Default 30.</summary>
    public int FrameRate { get; init; } = 30;

    /// <summary>The VP8 encoder's target bitrate, bit/s. Default 600 kbit/s.</summary>
    public int Bitrate { get; init; } = 600_000;

    /// <summary>Seconds between keyframes when nobody asks for one. Default 10.</summary>
    public int KeyframeInterval { get; init; } = 10;

    /// <summary>The size of the picture sent for a source of <paramref name="width"/> × <paramref name="height"/>: scaled
    /// to fit, even numbers (I420 needs them).</summary>
    public (int Width, int Height) FitPicture(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        double scale = Math.Min(1.0, Math.Min(MaxWidth / (double)width, MaxHeight / (double)height));
        return (Math.Max(2, (int)(width * scale) & ~1), Math.Max(2, (int)(height * scale) & ~1));
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWidth, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHeight, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWidth, 3840);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxHeight, 2160);
        ArgumentOutOfRangeException.ThrowIfLessThan(FrameRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FrameRate, 60);
        ArgumentOutOfRangeException.ThrowIfLessThan(Bitrate, 50_000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Bitrate, 20_000_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(KeyframeInterval, 1);
    }
}
