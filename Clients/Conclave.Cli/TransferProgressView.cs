using Conclave.Client.Files;
using Spectre.Console;

namespace Conclave.Cli;

/// <summary>
/// The progress of a transfer, on stderr (so stdout stays the result). On a terminal, Spectre.Console bars redrawn in
/// place, with bytes, speed and time left; elsewhere (a pipe, a log, a service) one line per phase each time it
/// passes another tenth. Nothing with --json.
/// </summary>
internal static class TransferProgressView
{
    /// <summary>Runs <paramref name="work"/> with a progress sink that draws or prints its progress.</summary>
    public static async Task<T> RunAsync<T>(CliContext context, Func<IProgress<TransferProgress>?, Task<T>> work)
    {
        if (context.Json) return await work(null).ConfigureAwait(false);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Error),
            Ansi = AnsiSupport.Detect,
            Interactive = InteractionSupport.Detect,
        });
        if (!console.Profile.Capabilities.Interactive) return await work(new Lines(context.Error)).ConfigureAwait(false);
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var bars = new Dictionary<TransferPhase, ProgressTask>();
                T result = await work(new Sink(update =>
                {
                    lock (bars)
                    {
                        if (!bars.TryGetValue(update.Phase, out ProgressTask? bar))
                            bars[update.Phase] = bar = progress.AddTask(Describe(update.Phase), maxValue: Math.Max(1, update.Total));
                        bar.MaxValue = Math.Max(1, update.Total);
                        bar.Value = update.Done;
                    }
                })).ConfigureAwait(false);
                lock (bars)
                {
                    foreach (ProgressTask bar in bars.Values) bar.Value = bar.MaxValue;
                }
                return result;
            }).ConfigureAwait(false);
    }

    private static string Describe(TransferPhase phase) => phase switch
    {
        TransferPhase.Hashing => "Checking the file",
        TransferPhase.Uploading => "Encrypting and uploading",
        TransferPhase.Downloading => "Downloading and decrypting",
        _ => phase.ToString(),
    };

    private sealed class Sink(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    /// <summary>Plain lines for logs: <c>Encrypting and uploading: 40% (3.6 of 9.0 MiB)</c>, at each tenth.</summary>
    private sealed class Lines(TextWriter error) : IProgress<TransferProgress>
    {
        private readonly Dictionary<TransferPhase, int> _printed = [];

        public void Report(TransferProgress value)
        {
            int tenth = value.Total <= 0 ? 10 : (int)Math.Min(10, value.Done * 10 / value.Total);
            lock (_printed)
            {
                if (_printed.TryGetValue(value.Phase, out int last) && last >= tenth) return;
                _printed[value.Phase] = tenth;
                error.WriteLine($"{Describe(value.Phase)}: {tenth * 10}% ({Mib(value.Done)} of {Mib(value.Total)} MiB)");
            }
        }

        private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
