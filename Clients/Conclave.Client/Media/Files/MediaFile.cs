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
        // A stream whose codec ffprobe cannot name has no decoder in this ffmpeg: it is left out.
        MediaFileAudioStream? audio = analysis.PrimaryAudioStream is { CodecName: { } audioCodec } && Known(audioCodec) ? new MediaFileAudioStream(audioCodec) : null;
        MediaFileVideoStream? video = analysis.PrimaryVideoStream is { CodecName: { } videoCodec, Width: > 0, Height: > 0 } v && Known(videoCodec)
            ? new MediaFileVideoStream(videoCodec, v.Width!.Value, v.Height!.Value)
            : null;
        if (audio is null && video is null)
        {
            bool unknown = analysis.PrimaryAudioStream is not null || analysis.PrimaryVideoStream is not null;
            throw new MediaFileException(MediaFileError.Unsupported, unknown
                ? $"{name}: codec not supported (this ffmpeg has no decoder for its streams)"
                : $"{name} has no audio or video stream");
        }
        return new MediaFile(path, analysis.Duration, audio, video);
    }

    private static bool Known(string codec) => codec.Length > 0 && codec is not ("unknown" or "none");
}
