using System.Globalization;

namespace Conclave.Bench.CallBots;

/// <summary>What the bots publish.</summary>
internal enum BotMedia
{
    /// <summary>A 440 Hz sine tone (<c>SineWave.Fill</c>) as the microphone: Opus, SFrame, SRTP.</summary>
    Audio,

    /// <summary>A media file's audio (<c>MediaFileAudio</c>) and video (<c>MediaFileVideo</c>, VP8), both looping.</summary>
    Video,
}

/// <summary>The tool's settings, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Conclave.Bench.CallBots: CPU per call bot, audio only and audio plus video (docs/benchmarks.md,
        "Call bots (issue 7)").

        usage: dotnet run -c Release --project bench/Conclave.Bench.CallBots -- [options]

        The real server runs in this process on loopback (a fresh data directory, media announced as 127.0.0.1).
        For every case (a kind of media, an Opus complexity, a number of bots N), in a fresh room: N users are
        invited, then this tool is started again as a child process ('bots' mode, workstation GC like the CLI)
        which, per bot, generates a device identity, registers its public keys, connects to signaling and
        joins the end-to-end encrypted call with Conclave.Client.Calls.CallBot (Listen = false):
          audio   the microphone is SineWave(440).Fill: Opus (Concentus), SFrame, SRTP, paced in real time
          video   the microphone is MediaFileAudio and the camera MediaFileVideo of one clip, both looping:
                  three ffmpeg processes per bot (audio decoder, video decoder, libvpx VP8 encoder)
        Once every bot has sent its first frames, and after --warmup, a steady window of --seconds: the CPU
        time (utime + stime, /proc) of the bots' process and of its ffmpeg children, of this process (the
        server), and of the whole machine; and from the bots' counters whether each kept real time (Opus
        frames sent per second against 50, the pacer's lateness and skipped frames; VP8 frames against 30).
        A series stops after the first N that does not keep real time (unless --keep-going).

        options:
          --mode <m>            audio, video or both (default both)
          --bots <list>         bot counts, e.g. 1,5,10,20,40 (default 1,5,10,20,40); 1..500 each
          --video-bots <list>   bot counts of the audio+video series (default: --bots with --mode video,
                                else 1,2,4)
          --complexity <list>   Opus encoder complexity 0..10: one audio series per value (default 10); the
                                audio+video series uses the first
          --seconds <n>         the measured steady window, 5..600 s (default 20)
          --warmup <n>          seconds between every bot's first frames and the window, 0..120 (default 5)
          --clip <file>         the audio+video series plays this file (default: a 10 s clip generated
                                once with ffmpeg: testsrc 640x360 at 30 fps, H.264 + 440 Hz AAC)
          --keep-going          run every N even after one did not keep real time
          -h, --help            this text

        Progress goes to stderr, the report to stdout (Markdown). Exit codes: 0 done, 1 failed, 2 bad command
        line, 130 interrupted. Traffic goes to loopback only; run it in a network namespace with only
        loopback for certainty: unshare -n sh -c 'ip link set lo up; dotnet run …'. (The child process is
        this tool run as 'bots …', talking to its parent on stdin/stdout; not for use by hand.)
        """;

    public bool Audio { get; init; } = true;
    public bool Video { get; init; } = true;
    public IReadOnlyList<int> Bots { get; init; } = [1, 5, 10, 20, 40];
    public IReadOnlyList<int> VideoBots { get; init; } = [1, 2, 4];
    public IReadOnlyList<int> Complexities { get; init; } = [10];
    public int Seconds { get; init; } = 20;
    public int WarmupSeconds { get; init; } = 5;
    public string? Clip { get; init; }
    public bool KeepGoing { get; init; }
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Null when <paramref name="args"/> asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions { Arguments = args };
        string mode = "both";
        bool videoBotsGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--mode":
                    mode = Value(args, ref i);
                    if (mode is not ("audio" or "video" or "both")) throw new UsageException($"--mode is audio, video or both, not '{mode}'");
                    break;
                case "--bots":
                    options = options with { Bots = List(arg, Value(args, ref i), 1, 500) };
                    break;
                case "--video-bots":
                    options = options with { VideoBots = List(arg, Value(args, ref i), 1, 500) };
                    videoBotsGiven = true;
                    break;
                case "--complexity":
                    options = options with { Complexities = List(arg, Value(args, ref i), 0, 10, sort: false) };
                    break;
                case "--seconds":
                    options = options with { Seconds = Number(arg, Value(args, ref i), 5, 600) };
                    break;
                case "--warmup":
                    options = options with { WarmupSeconds = Number(arg, Value(args, ref i), 0, 120) };
                    break;
                case "--clip":
                    string clip = Path.GetFullPath(Value(args, ref i));
                    if (!File.Exists(clip)) throw new UsageException($"--clip: no file at {clip}");
                    options = options with { Clip = clip };
                    break;
                case "--keep-going":
                    options = options with { KeepGoing = true };
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}'");
            }
        }
        options = options with { Audio = mode is "audio" or "both", Video = mode is "video" or "both" };
        if (mode == "video" && !videoBotsGiven) options = options with { VideoBots = options.Bots };
        return options;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"{args[i]} needs a value");
        return args[++i];
    }

    private static IReadOnlyList<int> List(string name, string text, int min, int max, bool sort = true)
    {
        string[] items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new UsageException($"{name} needs at least one value");
        IEnumerable<int> values = items.Select(v => Number(name, v, min, max)).Distinct();
        return [.. sort ? values.Order() : values];
    }

    private static int Number(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name} takes whole numbers from {min} to {max}, not '{text}'");
}
