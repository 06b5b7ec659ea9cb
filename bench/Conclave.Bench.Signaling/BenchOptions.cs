using System.Globalization;

namespace Conclave.Bench.Signaling;

/// <summary>The benchmark's settings, from the command line and the <c>CONCLAVE_*</c> environment variables.</summary>
internal sealed record BenchOptions
{
    /// <summary>Upper bound of <c>--joins</c> and <c>--warmup</c>: the tool is bounded by design.</summary>
    public const int MaxJoins = 100_000;

    /// <summary>Upper bound of <c>--room-size</c> (the server's <c>CallGrain.MaxParticipants</c>).</summary>
    public const int MaxRoomSize = 500;

    public const string Usage = """
        Conclave.Bench.Signaling: sequential hello → welcome → join → joined latency against one Conclave server.

        usage: dotnet run -c Release --project bench/Conclave.Bench.Signaling -- \
                 --server <url> --token <admin token> [--joins 100] [--warmup 10] [--room-size 1] [--json]

          --server <url>       the server base URL, http(s) (env CONCLAVE_SERVER)
          --token <token>      an admin token (env CONCLAVE_TOKEN)
          --token-file <path>  read the admin token from a file instead (e.g. <data dir>/admin-token)
          --joins <n>          measured joins, 1..100000 (default 100)
          --warmup <n>         joins run first and not counted, 0..100000 (default 10)
          --room-size <n>      participants in the call at each measured join, counting the joiner: the
                               first n-1 stay connected for the whole run (default 1: an empty call)
          --json               print the results as JSON instead of a table
          -h, --help           this text

        The tool creates one fresh room, redeems every invitation it needs before timing anything, then
        runs warmup + joins connections one after the other. For each: open the WebSocket (timed apart),
        hello → welcome, join → joined (hello → joined is the two back to back), then, outside that
        interval, ping → pong (one grain call), leave → left, a second hello that the server refuses
        before any grain call (a WebSocket + JSON round trip of the same size) and close 1000.
        Times come from Stopwatch.GetTimestamp; percentiles are nearest-rank. Progress goes to stderr.
        It talks to no other host and stops after the last join.
        """;

    public required Uri Server { get; init; }
    public required string Token { get; init; }
    public int Joins { get; init; } = 100;
    public int Warmup { get; init; } = 10;
    public int RoomSize { get; init; } = 1;
    public bool Json { get; init; }

    /// <summary>The arguments as given, with the token's value replaced, for the report.</summary>
    public required IReadOnlyList<string> RedactedArguments { get; init; }

    /// <summary>Null when <paramref name="args"/> asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        string? server = Environment.GetEnvironmentVariable("CONCLAVE_SERVER");
        string? token = Environment.GetEnvironmentVariable("CONCLAVE_TOKEN");
        string? tokenFile = null;
        int joins = 100, warmup = 10, roomSize = 1;
        bool json = false;
        var redacted = new List<string>(args.Length);

        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            redacted.Add(arg);
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--json":
                    json = true;
                    break;
                case "--server":
                    server = Value(args, ref i, redacted);
                    break;
                case "--token":
                    token = Value(args, ref i, redacted: null);
                    redacted.Add("<redacted>");
                    break;
                case "--token-file":
                    tokenFile = Value(args, ref i, redacted);
                    break;
                case "--joins":
                    joins = Number(arg, Value(args, ref i, redacted), 1, MaxJoins);
                    break;
                case "--warmup":
                    warmup = Number(arg, Value(args, ref i, redacted), 0, MaxJoins);
                    break;
                case "--room-size":
                    roomSize = Number(arg, Value(args, ref i, redacted), 1, MaxRoomSize);
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}'");
            }
        }

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

        if (string.IsNullOrWhiteSpace(server)) throw new UsageException("no server: pass --server <url> or set CONCLAVE_SERVER");
        if (!Uri.TryCreate(server.Trim(), UriKind.Absolute, out Uri? serverUri) || serverUri.Scheme is not ("http" or "https"))
            throw new UsageException($"'{server}' is not an absolute http(s) URL");
        if (string.IsNullOrWhiteSpace(token))
            throw new UsageException("no admin token: pass --token, --token-file, or set CONCLAVE_TOKEN (the server prints it on first start and keeps it in <data dir>/admin-token)");

        return new BenchOptions
        {
            Server = serverUri,
            Token = token.Trim(),
            Joins = joins,
            Warmup = warmup,
            RoomSize = roomSize,
            Json = json,
            RedactedArguments = redacted,
        };
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
