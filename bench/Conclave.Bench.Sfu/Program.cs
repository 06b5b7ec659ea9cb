using Conclave.Bench.Sfu;

// Exit codes: 0 done, 1 the run failed, 2 bad command line, 130 interrupted.
BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
if (options is null)
{
    Console.Out.WriteLine(BenchOptions.Usage);
    return 0;
}

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // let the run close its connections
    interrupt.Cancel();
};

try
{
    BenchResult result = await new LoadRun(options, Console.Error).RunAsync(interrupt.Token);
    if (options.Json)
    {
        using Stream stdout = Console.OpenStandardOutput();
        Report.WriteJson(stdout, result);
    }
    else
    {
        Report.WriteText(Console.Out, result);
    }
    return 0;
}
catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted");
    return 130;
}
catch (BenchException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
