using System.Net;
using Conclave.Bench;
using Conclave.Bench.Signaling;
using Conclave.Client;

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted (BenchCommand).
return await BenchCommand.RunAsync(args, BenchOptions.Parse, BenchOptions.Usage, async (options, cancellationToken) =>
{
    MachineInfo machine = MachineInfo.Current();
    BenchResult result = await new SignalingBench(options, Console.Error).RunAsync(cancellationToken);
    if (options.Json)
    {
        using Stream stdout = Console.OpenStandardOutput();
        Report.WriteJson(stdout, options, machine, result);
    }
    else
    {
        Report.WriteTable(Console.Out, options, machine, result);
    }
}, Describe);

static string Describe(Exception e, BenchOptions options) => e switch
{
    ConclaveConnectionException c when c.StatusCode is { } status =>
        $"{options.Server} answered HTTP {(int)status} instead of a WebSocket upgrade on /signal: is it a Conclave server? ({c.Message})",
    ConclaveConnectionException c =>
        $"cannot reach the server at {options.Server}: {c.Message}. Is it running, and is this its HTTP URL?",
    ConclaveApiException { StatusCode: HttpStatusCode.Unauthorized } a =>
        $"the server rejected the admin token (401 {a.Code}: {a.Message}). Use the token the server printed on first start, or <data dir>/admin-token.",
    ConclaveApiException { StatusCode: HttpStatusCode.Forbidden } a =>
        $"the token is valid but not an administrator's (403 {a.Code}: {a.Message}). Pass the admin token.",
    ConclaveApiException a =>
        $"the server refused an API call: HTTP {(int)a.StatusCode} {a.Code}: {a.Message}",
    SignalingClosedException s =>
        $"the signaling connection ended unexpectedly: {s.Message}",
    SignalingException s =>
        $"the server answered a signaling request with '{s.Code}': {s.Message}",
    TimeoutException t =>
        $"the server did not answer in time: {t.Message}",
    BenchException b => b.Message,
    _ => e.ToString(),
};
