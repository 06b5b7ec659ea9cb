using FFMpegCore;

namespace Conclave.Client.Media.Files;

/// <summary>The audio stream of a media file: its codec as ffprobe names it (<c>opus</c>, <c>mp3</c>…).</summary>
public sealed record MediaFileAudioStream(string Codec);

/// <summary>The video stream of a media file: its codec and picture size.</summary>
public sealed record MediaFileVideoStream(string Codec, int Width, int Height);

/// <summary>
/// A media file as ffprobe sees it: its first audio and first video stream (either may be missing) and its duration.
/// <see cref="ProbeAsync"/> is the one place a file is checked before anything plays it.
/// </summary>
public sealed record MediaFile(string Path, TimeSpan Duration, MediaFileAudioStream? Audio, MediaFileVideoStream? Video)
{
    /// <summary>The file's name, for messages.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Reads <paramref name="path"/> with the ffprobe of <paramref name="tools"/>.</summary>
    /// <exception cref="MediaFileException">No such file; ffprobe cannot read it; it has neither audio nor video.</exception>
    public static async Task<MediaFile> ProbeAsync(string path, MediaTools tools, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tools);
        if (!File.Exists(path)) throw new MediaFileException(MediaFileError.NotFound, $"{path}: no such file");
        string name = System.IO.Path.GetFileName(path);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, tools.Options, customArguments: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)   // FFMpegCore's own exceptions and JSON ones
        {
            throw new MediaFileException(MediaFileError.Unsupported, $"{name} is not a media file ffmpeg can read ({FfmpegMessages.ReasonOf(e)})", e);
        }
        MediaFileAudioStream? audio = analysis.PrimaryAudioStream is { } a ? new MediaFileAudioStream(a.CodecName ?? "unknown") : null;
        MediaFileVideoStream? video = analysis.PrimaryVideoStream is { Width: > 0, Height: > 0 } v
            ? new MediaFileVideoStream(v.CodecName ?? "unknown", v.Width!.Value, v.Height!.Value)
            : null;
        if (audio is null && video is null) throw new MediaFileException(MediaFileError.Unsupported, $"{name} has no audio or video stream");
        return new MediaFile(path, analysis.Duration, audio, video);
    }
}
