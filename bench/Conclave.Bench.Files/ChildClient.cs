using System.Diagnostics;
using System.Globalization;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Identity;

namespace Conclave.Bench.Files;

/// <summary>
/// The client process of the memory step (this tool started again as <c>child-client</c>, by
/// <see cref="SeparateProcessBench"/>): a SecureFiles over ConclaveApiClient.CreateHttpClient, as the CLI makes them.
/// It talks with its parent in lines: it writes <c>ready</c>, then waits for <c>send</c>, sends the file and writes
/// <c>sent …</c>; waits for <c>receive</c>, receives it and writes <c>received …</c>; waits for <c>exit</c>. Timings
/// are key=value pairs on those lines.
/// </summary>
internal static class ChildClient
{
    public const string Mode = "child-client";

    /// <summary>args: child-client server token-file user-id file work-dir</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 6) throw new ArgumentException("child-client <server> <token file> <user id> <file> <work dir>");
        var server = new Uri(args[1]);
        string token = File.ReadAllText(args[2]).Trim();
        string userId = args[3], path = args[4], workDirectory = args[5];
        TextReader parent = Console.In;
        TextWriter output = Console.Out;

        using HttpClient transfers = ConclaveApiClient.CreateHttpClient(server, new ConclaveClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        using ConclaveApiClient api = ConclaveApiClient.Create(server, token);
        using DeviceIdentity identity = DeviceIdentity.Generate();
        var files = new SecureFiles(api, transfers, token, identity, userId);
        await files.RegisterDeviceAsync(CancellationToken.None).ConfigureAwait(false);
        await output.WriteLineAsync("ready").ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);

        await Expect(parent, "send").ConfigureAwait(false);
        var clock = new PhaseClock();
        long start = Stopwatch.GetTimestamp();
        SentFile sent = await files.SendAsync(path, [], new PendingUploadStore(Path.Combine(workDirectory, "pending-child")), clock, CancellationToken.None).ConfigureAwait(false);
        long end = Stopwatch.GetTimestamp();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sent id={sent.FileId} length={sent.EncryptedLength} seconds={Seconds(start, end):R} upload={Seconds(clock.First(TransferPhase.Uploading), clock.Last(TransferPhase.Uploading)):R}")).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);

        await Expect(parent, "receive").ConfigureAwait(false);
        string target = Path.Combine(workDirectory, "received-child.bin");
        start = Stopwatch.GetTimestamp();
        (_, string written) = await files.ReceiveAsync(sent.FileId, target, workDirectory, null, CancellationToken.None).ConfigureAwait(false);
        end = Stopwatch.GetTimestamp();
        long size = new FileInfo(written).Length;
        File.Delete(written);
        await api.DeleteFileAsync(sent.FileId).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"received size={size} seconds={Seconds(start, end):R}")).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);

        await Expect(parent, "exit").ConfigureAwait(false);
        return 0;
    }

    private static async Task Expect(TextReader parent, string word)
    {
        string? line = await parent.ReadLineAsync().ConfigureAwait(false);
        if (line != word) throw new InvalidOperationException($"expected '{word}' from the parent, got '{line}'");
    }

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;
}
