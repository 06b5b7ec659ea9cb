using System.Net;
using Conclave.Bench;
using Conclave.Bench.E2eeCall;
using Conclave.Client;

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted (BenchCommand).
return await BenchCommand.RunAsync(args, BenchOptions.Parse, BenchOptions.Usage, async (options, cancellationToken) =>
{
    MachineInfo machine = MachineInfo.Current();
    // stdout is the report's alone: the in-process server prints its (throwaway) admin token and address with
    // Console.Out, which goes nowhere; progress and the server's warnings go to stderr.
    TextWriter report = Console.Out;
    Console.SetOut(TextWriter.Null);
    object result;
    if (options.Mode == BenchMode.SFrameWorker)
    {
        WorkerResult worker = await new SFrameWorkerBench(options, Console.Error).RunAsync(cancellationToken);
        if (!options.Json) Report.WriteWorker(report, options, machine, worker);
        result = worker;
    }
    else
    {
        RotationResult rotation = await new RotationBench(options, Console.Error).RunAsync(cancellationToken);
        if (!options.Json) Report.WriteRotation(report, options, machine, rotation);
        result = rotation;
    }
    if (options.Json)
    {
        using Stream stdout = Console.OpenStandardOutput();
        Report.WriteJson(stdout, options, machine, result);
    }
    else
    {
        await report.FlushAsync(cancellationToken);
    }
}, Describe);

static string Describe(Exception e, BenchOptions options) => e switch
{
    ConclaveConnectionException c => $"cannot reach the server at {options.Server}: {c.Message}",
    ConclaveApiException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } a =>
        $"the server refused the admin token ({(int)a.StatusCode} {a.Code}: {a.Message}); pass the token the server printed, or <data dir>/admin-token",
    ConclaveApiException a => $"the server refused an API call: HTTP {(int)a.StatusCode} {a.Code}: {a.Message}",
    SignalingClosedException s => $"a signaling connection ended unexpectedly: {s.Message}",
    SignalingException s => $"the server answered a signaling request with '{s.Code}': {s.Message}",
    TimeoutException t => $"the server did not answer in time: {t.Message}",
    Microsoft.Playwright.PlaywrightException p => $"the browser failed: {p.Message}",
    BenchException b => b.Message,
    _ => e.ToString(),
};
