namespace Conclave.Client.Media.Files;

/// <summary>Why a media file cannot be played (<see cref="MediaFileException.Error"/>).</summary>
public enum MediaFileError
{
    /// <summary>There is no file at the path.</summary>
    NotFound,

    /// <summary>ffmpeg or ffprobe is not installed (not on PATH).</summary>
    ToolMissing,

    /// <summary>ffprobe cannot read the file, or it holds no stream of a kind this client plays.</summary>
    Unsupported,

    /// <summary>ffmpeg started but could not decode the stream (a codec this ffmpeg lacks, a damaged file).</summary>
    DecodeFailed,
}

/// <summary>A media file that cannot be played, with a message fit for the person who named it.</summary>
public sealed class MediaFileException(MediaFileError error, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What went wrong.</summary>
    public MediaFileError Error { get; } = error;
}
