using Conclave.Bench;
using Conclave.Bench.Sfu;

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted (BenchCommand).
return await BenchCommand.RunAsync(args, BenchOptions.Parse, BenchOptions.Usage, async (options, cancellationToken) =>
{
    BenchResult result = await new LoadRun(options, Console.Error).RunAsync(cancellationToken);
    if (options.Json)
    {
        using Stream stdout = Console.OpenStandardOutput();
        Report.WriteJson(stdout, result);
    }
    else
    {
        Report.WriteText(Console.Out, result);
    }
}, (e, _) => e is BenchException ? e.Message : null);
