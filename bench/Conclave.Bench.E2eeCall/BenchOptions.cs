using System.Globalization;

namespace Conclave.Bench.E2eeCall;

internal enum BenchMode
{
    SFrameWorker,
    Rotation,
}

/// <summary>One frame shape of the sframe-worker mode: how the call page's frame worker treats it, and its size.</summary>
/// <param name="Kind"><c>audio</c> (all encrypted), <c>video-delta</c> (VP8, 3 bytes in clear) or <c>video-key</c> (VP8, 10 bytes in clear).</param>
internal sealed record FrameShape(string Kind, int Size)
{
    public override string ToString() => $"{Kind}:{Size.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>An SFrame cipher suite by its short name on the command line.</summary>
internal sealed record SuiteChoice(string Name, int Id, string RfcName);

/// <summary>The tool's settings, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Conclave.Bench.E2eeCall: end-to-end encryption load (docs/benchmarks.md, "SFrame (issue 5)").

        usage: dotnet run -c Release --project bench/Conclave.Bench.E2eeCall -- sframe-worker [options]
               dotnet run -c Release --project bench/Conclave.Bench.E2eeCall -- rotation [options]

        sframe-worker: SFrame throughput of the call page's own module (/e2ee/sframe.js) in a dedicated module
        worker of a headless Chromium, through the same per-frame steps as Clients/web/e2ee/frame-worker.js.
        The real server runs in this process on loopback and serves the page. For every suite, frame and
        direction: a warm-up, then frames for --seconds; frames/s and MiB/s of frame bytes, and the CPU time
        all the browser's processes used meanwhile (from /proc), so frames per CPU-second = per core.
          --suites <list>      gcm128 (AES_128_GCM_SHA256_128, the default suite), gcm256, ctr80, ctr64, ctr32
                               (default gcm128,ctr80)
          --frames <list>      kind:bytes, kind audio | video-delta | video-key
                               (default audio:160,video-delta:1200,video-key:30000)
          --seconds <s>        measured seconds per case, 1..60 (default 3)
          --warmup <s>         warm-up seconds per case, 0..60 (default 1)
          --in-flight <list>   frames in flight at once: 1 is one track's TransformStream (default 1)
          --chromium <path>    the browser (default /usr/bin/chromium)

        rotation: key rotation with N .NET participants over real WebSockets. Each has its own device
        identity, registers its device public keys, signs its join statement (membership) and runs CallKeys
        (the browser's key distribution protocol) over e2ee-send / e2ee. The call is filled to N, then each
        cycle: a member leaves (N -> N-1), a newcomer joins (-> N), the leader leaves (-> N-1), a newcomer
        joins (-> N). For each change: the time until every remaining participant sends with the new epoch,
        and the e2ee-send requests and delivered e2ee events it took (CallKeys.Messages of every client).
          --participants <n>   N, 3..500 (default 20)
          --cycles <n>         measured cycles, 1..1000 (default 10)
          --warmup <n>         cycles run first and not counted, 0..100 (default 2)
          --gap-ms <ms>        pause after each change, untimed, 0..60000 (default 300): keeps every
                               connection under the server's 20 messages/s limit
          --kem <kem>          auto: each device has a new identity (DeviceIdentity.Generate) and registers
                               its public keys, X-Wing included, so wraps are HPKE-X-Wing; x25519: identities
                               of signing and X25519 keys only (as made before X-Wing), version-1 public
                               keys, DHKEM(X25519) wraps (default auto)
          --server <url>       use this running server instead of one in this process (then also
          --token <t> | --token-file <path>  an admin token, e.g. <data dir>/admin-token)

        Both: --json prints the results as JSON; -h, --help this text. Progress goes to stderr. Traffic goes to
        loopback only (or to --server); the tool stops by itself.
        """;

    public static readonly IReadOnlyList<SuiteChoice> Suites =
    [
        new("gcm128", 0x0004, "AES_128_GCM_SHA256_128"),
        new("gcm256", 0x0005, "AES_256_GCM_SHA512_128"),
        new("ctr80", 0x0001, "AES_128_CTR_HMAC_SHA256_80"),
        new("ctr64", 0x0002, "AES_128_CTR_HMAC_SHA256_64"),
        new("ctr32", 0x0003, "AES_128_CTR_HMAC_SHA256_32"),
    ];

    public required BenchMode Mode { get; init; }
    public bool Json { get; init; }
    public required IReadOnlyList<string> RedactedArguments { get; init; }

    // sframe-worker
    public IReadOnlyList<SuiteChoice> SuiteList { get; init; } = [Suites[0], Suites[2]];
    public IReadOnlyList<FrameShape> Frames { get; init; } = [new("audio", 160), new("video-delta", 1200), new("video-key", 30000)];
    public int Seconds { get; init; } = 3;
    public int WarmupSeconds { get; init; } = 1;
    public IReadOnlyList<int> InFlight { get; init; } = [1];
    public string Chromium { get; init; } = "/usr/bin/chromium";

    // rotation
    public int Participants { get; init; } = 20;
    public int Cycles { get; init; } = 10;
    public int WarmupCycles { get; init; } = 2;
    public int GapMs { get; init; } = 300;
    public bool X25519Only { get; init; }
    public Uri? Server { get; init; }
    public string? Token { get; init; }

    /// <summary>Null when <paramref name="args"/> asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help") return null;
        BenchMode mode = args[0] switch
        {
            "sframe-worker" => BenchMode.SFrameWorker,
            "rotation" => BenchMode.Rotation,
            _ => throw new UsageException($"the first argument is the mode, sframe-worker or rotation, not '{args[0]}'"),
        };
        var redacted = new List<string> { args[0] };
        var options = new BenchOptions { Mode = mode, RedactedArguments = redacted };
        string? server = null, token = null, tokenFile = null;

        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            redacted.Add(arg);
            bool worker = mode == BenchMode.SFrameWorker;
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--json":
                    options = options with { Json = true };
                    break;
                case "--suites" when worker:
                    options = options with { SuiteList = List(arg, Value(args, ref i, redacted), ParseSuite) };
                    break;
                case "--frames" when worker:
                    options = options with { Frames = List(arg, Value(args, ref i, redacted), ParseFrame) };
                    break;
                case "--seconds" when worker:
                    options = options with { Seconds = Number(arg, Value(args, ref i, redacted), 1, 60) };
                    break;
                case "--warmup" when worker:
                    options = options with { WarmupSeconds = Number(arg, Value(args, ref i, redacted), 0, 60) };
                    break;
                case "--in-flight" when worker:
                    options = options with { InFlight = List(arg, Value(args, ref i, redacted), v => Number(arg, v, 1, 256)) };
                    break;
                case "--chromium" when worker:
                    options = options with { Chromium = Value(args, ref i, redacted) };
                    break;
                case "--participants" when !worker:
                    options = options with { Participants = Number(arg, Value(args, ref i, redacted), 3, 500) };
                    break;
                case "--cycles" when !worker:
                    options = options with { Cycles = Number(arg, Value(args, ref i, redacted), 1, 1000) };
                    break;
                case "--warmup" when !worker:
                    options = options with { WarmupCycles = Number(arg, Value(args, ref i, redacted), 0, 100) };
                    break;
                case "--gap-ms" when !worker:
                    options = options with { GapMs = Number(arg, Value(args, ref i, redacted), 0, 60_000) };
                    break;
                case "--kem" when !worker:
                    options = options with
                    {
                        X25519Only = Value(args, ref i, redacted) switch
                        {
                            "auto" => false,
                            "x25519" => true,
                            string other => throw new UsageException($"--kem is auto or x25519, not '{other}'"),
                        },
                    };
                    break;
                case "--server" when !worker:
                    server = Value(args, ref i, redacted);
                    break;
                case "--token" when !worker:
                    token = Value(args, ref i, redacted: null);
                    redacted.Add("<redacted>");
                    break;
                case "--token-file" when !worker:
                    tokenFile = Value(args, ref i, redacted);
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}' for {args[0]}");
            }
        }

        if (mode == BenchMode.SFrameWorker && !File.Exists(options.Chromium))
            throw new UsageException($"no browser at {options.Chromium}: install Debian's chromium package or pass --chromium <path>");
        if (tokenFile is not null)
        {
            try
            {
                token = File.ReadAllText(tokenFile).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"cannot read the token file '{tokenFile}': {e.Message}");
            }
        }
        if (server is null)
        {
            if (token is not null) throw new UsageException("--token and --token-file go with --server");
            return options;
        }
        if (!Uri.TryCreate(server.Trim(), UriKind.Absolute, out Uri? serverUri) || serverUri.Scheme is not ("http" or "https"))
            throw new UsageException($"'{server}' is not an absolute http(s) URL");
        if (string.IsNullOrWhiteSpace(token)) throw new UsageException("--server needs an admin token: --token or --token-file");
        return options with { Server = serverUri, Token = token.Trim() };
    }

    private static SuiteChoice ParseSuite(string text) =>
        Suites.FirstOrDefault(s => s.Name == text) ?? throw new UsageException(
            $"unknown suite '{text}': {string.Join(", ", Suites.Select(s => s.Name))}");

    private static FrameShape ParseFrame(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2 || parts[0] is not ("audio" or "video-delta" or "video-key"))
            throw new UsageException($"a frame is kind:bytes with kind audio, video-delta or video-key, not '{text}'");
        return new FrameShape(parts[0], Number("--frames", parts[1], 16, 65_536));
    }

    private static IReadOnlyList<T> List<T>(string name, string text, Func<string, T> parse)
    {
        string[] items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new UsageException($"{name} needs at least one value");
        return [.. items.Select(parse)];
    }

    private static string Value(string[] args, ref int i, List<string>? redacted)
    {
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"{args[i]} needs a value");
        string value = args[++i];
        redacted?.Add(value);
        return value;
    }

    private static int Number(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name} must be an integer from {min} to {max}, not '{text}'");
}
