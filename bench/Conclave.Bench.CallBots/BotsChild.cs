using System.Diagnostics;
using System.Globalization;
using Conclave.Client.Media.Files;

namespace Conclave.Bench.CallBots;

/// <summary>
/// The bots' process: this tool started again as <c>bots</c> by <see cref="CallBotsBench"/>, so that its CPU time (and
/// its ffmpeg children's) is the bots' alone. It joins one bot per token, waits until every bot has sent its first
/// frames, then for the warm-up, and writes <c>ready</c>. Then each <c>mark</c> on stdin is answered with a line
/// <c>mark key=value…</c>: what the bots did since the previous mark (the first: since ready); <c>exit</c> makes every
/// bot leave and ends the process. Progress goes to stderr (the parent's).
/// </summary>
internal static class BotsChild
{
    public const string Mode = "bots";

    private static readonly TimeSpan FirstFramesTimeout = TimeSpan.FromSeconds(60);

    /// <summary>args: bots --server URL --room ROOM --tokens FILE --media audio|video --complexity C --warmup S [--clip FILE]</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> a = [];
        for (int i = 1; i + 1 < args.Length; i += 2) a[args[i]] = args[i + 1];
        var server = new Uri(a["--server"]);
        string room = a["--room"];
        string[] tokens = [.. File.ReadAllLines(a["--tokens"]).Where(l => l.Length > 0)];
        BotMedia media = a["--media"] == "video" ? BotMedia.Video : BotMedia.Audio;
        int complexity = int.Parse(a["--complexity"], CultureInfo.InvariantCulture);
        int warmup = int.Parse(a["--warmup"], CultureInfo.InvariantCulture);
        TextWriter output = Console.Out;                              // the protocol's
        Console.SetOut(TextWriter.Null);
        TextWriter log = Console.Error;
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(30));

        MediaTools? tools = null;
        MediaFile? clip = null;
        if (media == BotMedia.Video)
        {
            tools = MediaTools.Locate(Environment.GetEnvironmentVariable("PATH"));
            clip = await MediaFile.ProbeAsync(a["--clip"], tools, stop.Token).ConfigureAwait(false);
        }

        var bots = new List<Bot>(tokens.Length);
        try
        {
            long joinStart = Stopwatch.GetTimestamp();
            foreach (string token in tokens)
            {
                bots.Add(await Bot.JoinAsync(server, token, room, media, complexity, tools, clip, stop.Token).ConfigureAwait(false));
                if (bots.Count % 10 == 0 || bots.Count == tokens.Length) log.WriteLine($"  bots: {bots.Count}/{tokens.Length} joined");
            }
            double joinSeconds = Stopwatch.GetElapsedTime(joinStart).TotalSeconds;
            var firstFrames = Stopwatch.StartNew();
            while (!bots.All(b => b.Sending))
            {
                if (firstFrames.Elapsed > FirstFramesTimeout)
                    throw new TimeoutException($"{bots.Count(b => !b.Sending)} of {bots.Count} bots sent no frame within {FirstFramesTimeout.TotalSeconds} s; "
                        + $"first error: {bots.Select(b => b.Error).FirstOrDefault(e => e is not null)?.Message ?? "none"}");
                await Task.Delay(50, stop.Token).ConfigureAwait(false);
            }
            double firstFramesSeconds = firstFrames.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(warmup), stop.Token).ConfigureAwait(false);

            BotCounters[] previous = [.. bots.Select(b => b.Read())];
            foreach (Bot bot in bots) bot.Pacing.Drain();
            long previousAt = Stopwatch.GetTimestamp();
            await Say(output, string.Create(CultureInfo.InvariantCulture, $"ready join={joinSeconds:0.###} firstFrames={firstFramesSeconds:0.###}")).ConfigureAwait(false);

            while (await Console.In.ReadLineAsync(stop.Token).ConfigureAwait(false) is { } line && line != "exit")
            {
                if (line != "mark") continue;
                long now = Stopwatch.GetTimestamp();
                BotCounters[] current = [.. bots.Select(b => b.Read())];
                double[] lateness = [.. bots.SelectMany(b => b.Pacing.Drain())];
                double seconds = Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
                await Say(output, Describe(seconds, previous, current, lateness, bots)).ConfigureAwait(false);
                previous = current;
                previousAt = now;
            }
            return 0;
        }
        finally
        {
            log.WriteLine($"  bots: {bots.Count} leaving");
            await Task.WhenAll(bots.Select(b => b.DisposeAsync().AsTask())).ConfigureAwait(false);
        }
    }

    private static string Describe(double seconds, BotCounters[] before, BotCounters[] after, double[] lateness, List<Bot> bots)
    {
        BotCounters[] d = [.. before.Zip(after, (b, a) => new BotCounters(a.AudioSent - b.AudioSent, a.AudioWithoutKey - b.AudioWithoutKey,
            a.AudioFailed - b.AudioFailed, a.PacerCalls - b.PacerCalls, a.PacerSkipped - b.PacerSkipped, a.VideoSent - b.VideoSent,
            a.VideoWithoutKey - b.VideoWithoutKey, a.VideoFailed - b.VideoFailed, a.VideoSkipped - b.VideoSkipped, a.Encoders - b.Encoders,
            a.KeyframeRequests - b.KeyframeRequests, a.Underruns - b.Underruns))];
        double[] audioRates = [.. d.Select(c => c.AudioSent / seconds)];
        double[] videoRates = [.. d.Select(c => c.VideoSent / seconds)];
        Summary late = Summary.Of(lateness);
        int errors = bots.Count(b => b.Error is not null);
        if (bots.Select(b => b.Error).FirstOrDefault(e => e is not null) is { } first) Console.Error.WriteLine($"  bots: an error: {first.GetType().Name}: {first.Message}");
        return string.Create(CultureInfo.InvariantCulture,
            $"mark seconds={seconds:0.####} bots={d.Length} audioMin={audioRates.Min():0.###} audioMean={audioRates.Average():0.###} "
            + $"audioNoKey={d.Sum(c => c.AudioWithoutKey)} audioFailed={d.Sum(c => c.AudioFailed)} pacerCalls={d.Sum(c => c.PacerCalls)} skipped={d.Sum(c => c.PacerSkipped)} "
            + $"lateP50={late.P50:0.###} lateP99={late.P99:0.###} lateMax={late.Max:0.###} "
            + $"videoMin={videoRates.Min():0.###} videoMean={videoRates.Average():0.###} videoNoKey={d.Sum(c => c.VideoWithoutKey)} videoFailed={d.Sum(c => c.VideoFailed)} "
            + $"videoSkipped={d.Sum(c => c.VideoSkipped)} encoders={d.Sum(c => c.Encoders)} keyframeRequests={d.Sum(c => c.KeyframeRequests)} "
            + $"underruns={d.Sum(c => c.Underruns)} errors={errors}");
    }

    private static async Task Say(TextWriter output, string line)
    {
        await output.WriteLineAsync(line).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
