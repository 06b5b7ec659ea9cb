using System.Collections.Concurrent;
using FFMpegCore.Exceptions;

namespace Conclave.Client.Media.Files;

/// <summary>
/// The reason to show for an ffmpeg or ffprobe failure: the last line the tool wrote to stderr (ffmpeg ends its error
/// output with the reason), else the exception's message. One instance collects an ffmpeg run's stderr, keeping the
/// last lines only.
/// </summary>
internal sealed class FfmpegMessages
{
    private const int KeptLines = 8;
    private const int MaxLength = 300;

    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Keeps <paramref name="line"/> of stderr (FFMpegCore's NotifyOnStandardError).</summary>
    public void Add(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        _lines.Enqueue(line.Trim());
        while (_lines.Count > KeptLines) _lines.TryDequeue(out _);
    }

    /// <summary>The last stderr line collected, else <see cref="ReasonOf"/>.</summary>
    public string LastLineOr(Exception error) => _lines.LastOrDefault() is { } line ? Shorten(line) : ReasonOf(error);

    /// <summary>ffprobe's last stderr line when <paramref name="error"/> carries it, else its message's last line.</summary>
    public static string ReasonOf(Exception error)
    {
        IEnumerable<string> lines = error is FFProbeProcessException probe && probe.StandardError.Count > 0
            ? probe.StandardError
            : error.Message.Split('\n');
        string? last = lines.Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
        return Shorten(last ?? error.GetType().Name);
    }

    private static string Shorten(string line) => line.Length <= MaxLength ? line : line[..MaxLength] + "…";
}
