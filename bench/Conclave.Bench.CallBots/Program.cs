using Conclave.Bench;
using Conclave.Bench.CallBots;
using Conclave.Client;
using Conclave.Client.Media.Files;

// The bots' process: this tool started again by CallBotsBench.
if (args.Length > 0 && args[0] == BotsChild.Mode) return await BotsChild.RunAsync(args);

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted (BenchCommand); the report on stdout.
return await ReportCommand.RunAsync(args, BenchOptions.Parse, BenchOptions.Usage,
    (options, progress, cancellationToken) => new CallBotsBench(options, progress).RunAsync(cancellationToken), Report.Write, Describe);

static string Describe(Exception e, BenchOptions options) => e switch
{
    ConclaveConnectionException c => $"cannot reach the server: {c.Message}",
    ConclaveApiException a => $"the server refused an API call: HTTP {(int)a.StatusCode} {a.Code}: {a.Message}",
    MediaFileException m => m.Message,
    BenchException b => b.Message,
    TimeoutException t => $"timed out: {t.Message}",
    _ => e.ToString(),
};
