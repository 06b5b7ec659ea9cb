namespace Conclave.Bench;

/// <summary>
/// The shell of the load tools whose report is Markdown on stdout (compiled into those that link bench/Shared/Machine):
/// <see cref="BenchCommand"/>'s parsing and exit codes, with stdout kept for the report alone. The in-process server
/// prints its throwaway admin token and address with Console.Out, which is sent nowhere; progress and the server's
/// warnings go to stderr.
/// </summary>
internal static class ReportCommand
{
    /// <summary>Runs <paramref name="run"/> (progress on the writer it is given), then writes its result with
    /// <paramref name="write"/> to stdout.</summary>
    public static Task<int> RunAsync<TOptions, TResult>(string[] args, Func<string[], TOptions?> parse, string usage,
        Func<TOptions, TextWriter, CancellationToken, Task<TResult>> run, Action<TextWriter, TOptions, MachineInfo, TResult> write,
        Func<Exception, TOptions, string?> describeFailure)
        where TOptions : class =>
        BenchCommand.RunAsync(args, parse, usage, async (options, cancellationToken) =>
        {
            MachineInfo machine = MachineInfo.Current();
            TextWriter report = Console.Out;
            Console.SetOut(TextWriter.Null);
            TResult result = await run(options, Console.Error, cancellationToken);
            write(report, options, machine, result);
            await report.FlushAsync(cancellationToken);
        }, describeFailure);
}
