using FFMpegCore;

namespace Conclave.Client.Media.Files;

/// <summary>
/// Where ffmpeg and ffprobe are: the first directory of a PATH that holds both. FFMpegCore runs them from there
/// (<see cref="Options"/>), so a missing install is reported before anything starts, naming the package to install.
/// </summary>
public sealed class MediaTools
{
    /// <summary>What to tell a person whose machine lacks the tools (Debian and Ubuntu name the package ffmpeg).</summary>
    public const string InstallHint = "install it with: sudo apt-get install ffmpeg";

    private MediaTools(string directory) => Options = new FFOptions { BinaryFolder = directory };

    /// <summary>FFMpegCore's options for running the tools found.</summary>
    public FFOptions Options { get; }

    /// <summary>The directory the tools were found in.</summary>
    public string Directory => Options.BinaryFolder;

    /// <summary>Finds both tools on <paramref name="path"/> (a PATH value: directories separated by
    /// <see cref="Path.PathSeparator"/>).</summary>
    /// <exception cref="MediaFileException"><see cref="MediaFileError.ToolMissing"/>: neither directory holds both.</exception>
    public static MediaTools Locate(string? path)
    {
        string suffix = OperatingSystem.IsWindows() ? ".exe" : "";
        string[] directories = (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool sawFfmpeg = false;
        foreach (string directory in directories)
        {
            bool ffmpeg = File.Exists(Path.Combine(directory, "ffmpeg" + suffix));
            sawFfmpeg |= ffmpeg;
            if (ffmpeg && File.Exists(Path.Combine(directory, "ffprobe" + suffix))) return new MediaTools(directory);
        }
        string missing = sawFfmpeg ? "ffprobe (part of ffmpeg)" : "ffmpeg";
        throw new MediaFileException(MediaFileError.ToolMissing, $"{missing} was not found on PATH, and media files are decoded with it; {InstallHint}");
    }
}
