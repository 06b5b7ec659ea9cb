namespace Conclave.Bench;

/// <summary>A command-line mistake: printed with the usage, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command-line shell the load tools share (compiled into each from bench/Shared): parse the options (null means
/// "print the usage"), run until done or Ctrl+C, and turn the outcome into an exit code: 0 done, 1 the run failed
/// (with the tool's explanation of the error), 2 bad command line, 130 interrupted.
/// </summary>
internal static class BenchCommand
{
    public static async Task<int> RunAsync<TOptions>(string[] args, Func<string[], TOptions?> parse, string usage,
        Func<TOptions, CancellationToken, Task> run, Func<Exception, TOptions, string?> describeFailure)
        where TOptions : class
    {
        TOptions? options;
        try
        {
            options = parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine();
            Console.Error.WriteLine(usage);
            return 2;
        }
        if (options is null)
        {
            Console.Out.WriteLine(usage);
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
            await run(options, interrupt.Token);
            return 0;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            Console.Error.WriteLine("interrupted");
            return 130;
        }
        catch (Exception e) when (describeFailure(e, options) is { } failure)
        {
            Console.Error.WriteLine($"error: {failure}");
            return 1;
        }
    }
}
