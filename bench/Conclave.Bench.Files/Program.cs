using Conclave.Bench;
using Conclave.Bench.Files;
using Conclave.Client;
using Conclave.FileStore;

// The memory step's client process: this tool started again by SeparateProcessBench.
if (args.Length > 0 && args[0] == ChildClient.Mode) return await ChildClient.RunAsync(args);

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted (BenchCommand); the report on stdout.
return await ReportCommand.RunAsync(args, BenchOptions.Parse, BenchOptions.Usage,
    (options, progress, cancellationToken) => new FilesBench(options, progress).RunAsync(cancellationToken), Report.Write, Describe);

static string Describe(Exception e, BenchOptions options) => e switch
{
    ConclaveConnectionException c => $"cannot reach the server: {c.Message}",
    ConclaveApiException a => $"the server refused an API call: HTTP {(int)a.StatusCode} {a.Code}: {a.Message}",
    BlobStoreException b => $"the store failed: {b.Message}",
    Azure.RequestFailedException r => $"Azure Storage failed: HTTP {r.Status} {r.ErrorCode}",
    HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "cannot reach the storage account or the server (is Azurite running?)",
    BenchException b => b.Message,
    _ => e.ToString(),
};
