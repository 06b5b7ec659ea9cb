using System.Globalization;

namespace Conclave.Bench.Files;

/// <summary>A store the tool measures.</summary>
internal enum StoreKind
{
    /// <summary>Azure block blobs (<c>Conclave:Files:Store = AzureBlob</c>), here an Azurite.</summary>
    Azure,
    /// <summary>The embedded default: a directory (<c>Conclave:Files:Store = Local</c>).</summary>
    Local,
}

/// <summary>The tool's settings, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Conclave.Bench.Files: encrypted file transfer throughput and memory (docs/benchmarks.md, "Files (issue 6)").

        usage: dotnet run -c Release --project bench/Conclave.Bench.Files -- --azure <connection string> [options]

        In one run, in this order:
          crypto      FileEncryptionStream read through a 1 MiB buffer (what a tus PATCH body reads) over an
                      in-memory plaintext, and beside it the manifest's SHA-256 pass, FileDecryptor and the
                      server's per-block MD5: MiB/s and MiB per CPU-second of this process (one thread).
          per store (Azure = the Azurite of --azure, then the local directory store):
            raw       the store alone (Conclave.FileStore, as the server drives it): the blocks the server would
                      stage for the encrypted file of --size-mib (Conclave:Files:BlockSize, 8 MiB, per PATCH of
                      128 MiB), one after the other, then the commit, then the blob read back whole through
                      a 1 MiB buffer. Azure also through the SDK without Content-MD5 (Azurite then computes
                      a CRC64 of every block itself, in JavaScript).
            end to end  the real server in this process on loopback with that store; one user, one device;
                      SecureFiles.SendAsync of a random file of --size-mib (hash and encrypt in one read,
                      tus upload, key wraps), then SecureFiles.ReceiveAsync (download, decrypt, check). The store and the
                      client's HTTP handler are timed: staging busy / idle, request body source / network.
          memory      per store: the real server (Conclave.MediaServer.dll) and a client (this tool, child mode,
                      workstation GC like the CLI) in two separate processes; SendAsync then ReceiveAsync of
                      --memory-mib; peak RSS (VmHWM, /proc) of each process in each phase, and their CPU time.
                      (The client process is this tool run as 'child-client …', talking to its parent on
                      stdin/stdout; not for use by hand.)

        options:
          --azure <cs>          Azure Storage connection string (Azurite); CONCLAVE_BENCH_AZURE replaces it
          --stores <list>       azure, local (default: both; local alone needs no --azure)
          --size-mib <n>        the raw and end-to-end file, 1..65536 MiB (default 512)
          --runs <n>            raw and end-to-end measurements per store, alternated, 1..20 (default 3)
          --crypto-mib <n>      the in-memory plaintext of the crypto step, 16..4096 (default 256)
          --memory-mib <n>      the separate-process file, 0 skips that step, up to 10240 (default 2048)
          --server-dll <path>   the server for the memory step (default: the repository's
                                MediaServer/Conclave.MediaServer/bin/Release/net10.0/Conclave.MediaServer.dll)
          --work-dir <dir>      where the test files and the local stores go (default: a new directory in
                                the temp directory, deleted at the end)
          --server-env K=V      an extra environment variable for the memory step's server process, e.g.
                                DOTNET_gcServer=0 (repeatable)
          --steps <list>        crypto, transfer (raw and end to end), memory (default: all three)
          --azurite-pid <pid>   also report the CPU time of this process (Azurite) in every step
          -h, --help            this text

        Progress goes to stderr, the report to stdout (Markdown). Exit codes: 0 done, 1 failed, 2 bad command
        line, 130 interrupted. Traffic goes to loopback and to the given storage account only; it stops by itself.
        """;

    public string? AzureConnectionString { get; init; }
    public IReadOnlyList<StoreKind> Stores { get; init; } = [StoreKind.Azure, StoreKind.Local];
    public int SizeMiB { get; init; } = 512;
    public int Runs { get; init; } = 3;
    public int CryptoMiB { get; init; } = 256;
    public int MemoryMiB { get; init; } = 2048;
    public string? ServerDll { get; init; }
    public string? WorkDirectory { get; init; }
    public int? AzuritePid { get; init; }
    public bool Crypto { get; init; } = true;
    public bool Transfer { get; init; } = true;
    public bool Memory { get; init; } = true;
    public IReadOnlyDictionary<string, string> ServerEnvironment { get; init; } = new Dictionary<string, string>();
    public required IReadOnlyList<string> RedactedArguments { get; init; }

    /// <summary>Null when <paramref name="args"/> asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var redacted = new List<string>();
        var options = new BenchOptions { RedactedArguments = redacted };
        bool storesGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            redacted.Add(arg);
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--azure":
                    options = options with { AzureConnectionString = Value(args, ref i) };
                    redacted.Add("<connection string>");
                    break;
                case "--stores":
                    string list = Value(args, ref i);
                    redacted.Add(list);
                    storesGiven = true;
                    options = options with
                    {
                        Stores = [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s switch
                        {
                            "azure" => StoreKind.Azure,
                            "local" => StoreKind.Local,
                            _ => throw new UsageException($"--stores takes azure and/or local, not '{s}'"),
                        }).Distinct()],
                    };
                    if (options.Stores.Count == 0) throw new UsageException("--stores names no store");
                    break;
                case "--size-mib":
                    options = options with { SizeMiB = Int(args, ref i, redacted, 1, 65536) };
                    break;
                case "--runs":
                    options = options with { Runs = Int(args, ref i, redacted, 1, 20) };
                    break;
                case "--crypto-mib":
                    options = options with { CryptoMiB = Int(args, ref i, redacted, 16, 4096) };
                    break;
                case "--memory-mib":
                    options = options with { MemoryMiB = Int(args, ref i, redacted, 0, 10240) };
                    break;
                case "--server-dll":
                    options = options with { ServerDll = Path.GetFullPath(Echo(Value(args, ref i), redacted)) };
                    break;
                case "--work-dir":
                    options = options with { WorkDirectory = Path.GetFullPath(Echo(Value(args, ref i), redacted)) };
                    break;
                case "--server-env":
                    string pair = Echo(Value(args, ref i), redacted);
                    int equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0) throw new UsageException($"--server-env takes NAME=VALUE, not '{pair}'");
                    options = options with { ServerEnvironment = new Dictionary<string, string>(options.ServerEnvironment) { [pair[..equals]] = pair[(equals + 1)..] } };
                    break;
                case "--steps":
                    string[] steps = Echo(Value(args, ref i), redacted).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (steps.Except(["crypto", "transfer", "memory"]).FirstOrDefault() is { } unknown)
                        throw new UsageException($"--steps takes crypto, transfer and/or memory, not '{unknown}'");
                    options = options with { Crypto = steps.Contains("crypto"), Transfer = steps.Contains("transfer"), Memory = steps.Contains("memory") };
                    break;
                case "--azurite-pid":
                    options = options with { AzuritePid = Int(args, ref i, redacted, 1, int.MaxValue) };
                    break;
                default:
                    throw new UsageException($"unknown argument '{arg}'");
            }
        }
        if (options.AzureConnectionString is null && Environment.GetEnvironmentVariable("CONCLAVE_BENCH_AZURE") is { Length: > 0 } fromEnvironment)
            options = options with { AzureConnectionString = fromEnvironment };
        if (options.AzureConnectionString is null)
        {
            if (storesGiven && options.Stores.Contains(StoreKind.Azure))
                throw new UsageException("the azure store needs --azure <connection string> (or CONCLAVE_BENCH_AZURE)");
            if (!storesGiven) throw new UsageException("give --azure <connection string> (or CONCLAVE_BENCH_AZURE), or --stores local");
        }
        return options;
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new UsageException($"{args[i - 1]} needs a value");

    private static string Echo(string value, List<string> redacted)
    {
        redacted.Add(value);
        return value;
    }

    private static int Int(string[] args, ref int i, List<string> redacted, int min, int max)
    {
        string name = args[i];
        string text = Echo(Value(args, ref i), redacted);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new UsageException($"{name} takes a whole number from {min} to {max}, not '{text}'");
        return value;
    }
}
