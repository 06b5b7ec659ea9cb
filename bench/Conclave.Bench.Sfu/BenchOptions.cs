using System.Globalization;

namespace Conclave.Bench.Sfu;

/// <summary>The two load shapes the tool runs.</summary>
internal enum Scenario
{
    /// <summary>Every participant publishes audio and 3-layer video and receives everyone else's.</summary>
    Room,

    /// <summary>A few publishers, many receive-only subscribers of all their tracks.</summary>
    Fanout,
}

/// <summary>The load tool's settings, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Conclave.Bench.Sfu: the SFU and simulated WebRTC participants in one process, over loopback UDP.

        usage: dotnet run -c Release --project bench/Conclave.Bench.Sfu -- \
                 [--scenario room] [--participants 20] [--seconds 60] [--warmup 10] [--rate-scale 1] [--json]
               dotnet run -c Release --project bench/Conclave.Bench.Sfu -- \
                 --scenario fanout [--publishers 2] [--subscribers 50] [--seconds 30] [--rate-scale 1] [--json]

          --scenario room|fanout   room: every participant publishes and receives everyone else (default);
                                   fanout: publishers only send, subscribers only receive all their tracks
          --participants <n>       room size, 2..32 (default 20; an offer has at most 64 m= sections)
          --publishers <n>         fanout publishers, 1..20 (default 2)
          --subscribers <n>        fanout subscribers, 1..300 (default 50)
          --seconds <s>            measured seconds, 1..3600 (default 60 for room, 30 for fanout)
          --warmup <s>             seconds of media before measuring (JIT, bandwidth estimates), 0..600 (default 10)
          --rate-scale <x>         multiplies every publisher's packet rate, 0.05..50 (default 1: audio 50/s,
                                   video q 15/s, h 45/s, f 130/s)
          --keyframe-interval <s>  periodic keyframes per video layer, 0 (only on PLI/FIR)..600 (default 10)
          --connect-timeout <s>    how long ICE + DTLS of all participants may take, 1..600 (default 60)
          --sfu-receive-buffer <b> SO_RCVBUF of the SFU's UDP port in bytes, 0 or 65536..67108864 (default 0: the
                                   OS default, as the server has it; Linux caps it at net.core.rmem_max)
          --json                   print the results as JSON on stdout instead of the text report
          -h, --help               this text

        Publishers send Opus-like audio (RFC 6464 audio level) and VP8-like video in three simulcast encodings
        (rid q, h, f; mid, rtp-stream-id and dependency descriptor extensions) with random payloads on SRTP; the SFU
        is hosted as the server hosts it (UdpMediaListener, MediaEndpoint, one Router per room) and negotiated
        directly with Router.Negotiate. Subscribers count what they receive per leg and layer, take sequence-number
        gaps as loss, and send receiver reports every second. Progress goes to stderr.
        Exit codes: 0 done, 1 failed (e.g. a participant did not connect), 2 bad command line, 130 interrupted.
        """;

    public Scenario Scenario { get; init; } = Scenario.Room;
    public int Participants { get; init; } = 20;
    public int Publishers { get; init; } = 2;
    public int Subscribers { get; init; } = 50;
    public int Seconds { get; init; } = 60;
    public int WarmupSeconds { get; init; } = 10;
    public double RateScale { get; init; } = 1;
    public int KeyframeIntervalSeconds { get; init; } = 10;
    public int ConnectTimeoutSeconds { get; init; } = 60;
    public int SfuReceiveBuffer { get; init; }
    public bool Json { get; init; }

    /// <summary>The arguments as given, for the report.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Null when <paramref name="args"/> asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var scenario = Scenario.Room;
        int participants = 20, publishers = 2, subscribers = 50, warmup = 10, keyframes = 10, connect = 60, receiveBuffer = 0;
        int? seconds = null;
        double rateScale = 1;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--json":
                    json = true;
                    break;
                case "--scenario":
                    scenario = Value(args, ref i) switch
                    {
                        "room" => Scenario.Room,
                        "fanout" => Scenario.Fanout,
                        string other => throw new UsageException($"--scenario must be room or fanout, not '{other}'"),
                    };
                    break;
                case "--participants":
                    participants = Number(arg, Value(args, ref i), 2, 32);
                    break;
                case "--publishers":
                    publishers = Number(arg, Value(args, ref i), 1, 20);
                    break;
                case "--subscribers":
                    subscribers = Number(arg, Value(args, ref i), 1, 300);
                    break;
                case "--seconds":
                    seconds = Number(arg, Value(args, ref i), 1, 3600);
                    break;
                case "--warmup":
                    warmup = Number(arg, Value(args, ref i), 0, 600);
                    break;
                case "--rate-scale":
                    rateScale = Fraction(arg, Value(args, ref i), 0.05, 50);
                    break;
                case "--keyframe-interval":
                    keyframes = Number(arg, Value(args, ref i), 0, 600);
                    break;
                case "--connect-timeout":
                    connect = Number(arg, Value(args, ref i), 1, 600);
                    break;
                case "--sfu-receive-buffer":
                    receiveBuffer = Number(arg, Value(args, ref i), 0, 64 << 20);
                    if (receiveBuffer is > 0 and < 65536) throw new UsageException("--sfu-receive-buffer must be 0 or at least 65536");
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}'");
            }
        }
        return new BenchOptions
        {
            Scenario = scenario,
            Participants = participants,
            Publishers = publishers,
            Subscribers = subscribers,
            Seconds = seconds ?? (scenario == Scenario.Room ? 60 : 30),
            WarmupSeconds = warmup,
            RateScale = rateScale,
            KeyframeIntervalSeconds = keyframes,
            ConnectTimeoutSeconds = connect,
            SfuReceiveBuffer = receiveBuffer,
            Json = json,
            Arguments = args,
        };
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"{args[i]} needs a value");
        return args[++i];
    }

    private static int Number(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name} must be an integer from {min} to {max}, not '{text}'");

    private static double Fraction(string name, string text, double min, double max) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double x) && x >= min && x <= max
            ? x
            : throw new UsageException($"{name} must be a number from {min} to {max}, not '{text}'");
}
