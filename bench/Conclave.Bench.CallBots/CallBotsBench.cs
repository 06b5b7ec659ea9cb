using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Client.Media.Files;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Bench.CallBots;

internal sealed class BenchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the bots' process reported for the window (see <see cref="BotsChild"/>): rates per bot, sums over bots.</summary>
internal sealed record BotsWindow(double Seconds, double AudioMin, double AudioMean, long AudioWithoutKey, long AudioFailed, long PacerCalls, long Skipped,
    double LateP50, double LateP99, double LateMax, double VideoMin, double VideoMean, long VideoWithoutKey, long VideoFailed, long VideoSkipped,
    long Encoders, long KeyframeRequests, long Underruns, int Errors)
{
    public static BotsWindow Parse(Dictionary<string, string> f)
    {
        double D(string k) => double.Parse(f[k], CultureInfo.InvariantCulture);
        long L(string k) => long.Parse(f[k], CultureInfo.InvariantCulture);
        return new BotsWindow(D("seconds"), D("audioMin"), D("audioMean"), L("audioNoKey"), L("audioFailed"), L("pacerCalls"), L("skipped"),
            D("lateP50"), D("lateP99"), D("lateMax"), D("videoMin"), D("videoMean"), L("videoNoKey"), L("videoFailed"), L("videoSkipped"),
            L("encoders"), L("keyframeRequests"), L("underruns"), (int)L("errors"));
    }
}

/// <summary>One case: N bots of one kind, the window's CPU in seconds of CPU per second of wall time (cores).</summary>
internal sealed record CaseResult(BotMedia Media, int Complexity, int Bots, double JoinSeconds, double WindowSeconds, double BotsProcessCores,
    double FfmpegCores, int FfmpegProcesses, double ServerCores, double MachineBusyCores, double MachineBusiestSecond, double OthersBusiestSecond,
    BotsWindow Window, double? LoadBefore)
{
    public double BotsCores => BotsProcessCores + FfmpegCores;
    public double PerBotCores => BotsCores / Bots;
    public double OtherCores => Math.Max(0, MachineBusyCores - BotsCores - ServerCores);

    /// <summary>Every bot sent ≥ 99 % of its 50 Opus frames a second and the pacer skipped nothing; with video, every bot
    /// also sent ≥ 95 % of its 30 VP8 frames a second.</summary>
    public bool KeptRealTime => Window.AudioMin >= 0.99 * 50 && Window.Skipped == 0 && (Media == BotMedia.Audio || Window.VideoMin >= 0.95 * 30);
}

internal sealed record CallBotsResult(DateTimeOffset StartedAt, double TotalSeconds, double? LoadBefore, double? LoadAfter, string? Clip, string? ClipCommand,
    string? ClipDescription, IReadOnlyList<CaseResult> Cases);

/// <summary>
/// The run: the server in this process, then for every case a fresh room, N invited users, and the bots' process (this
/// tool as <see cref="BotsChild"/>); CPU from /proc over the steady window.
/// </summary>
internal sealed class CallBotsBench(BenchOptions options, TextWriter progress)
{
    public const string ClipArguments = "-f lavfi -i testsrc=size=640x360:rate=30:duration=10 -f lavfi -i sine=frequency=440:duration=10 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest";

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    public async Task<CallBotsResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        long start = Stopwatch.GetTimestamp();
        double? loadBefore = MachineInfo.ReadLoadAverage();
        string work = Directory.CreateTempSubdirectory("conclave-callbots-").FullName;
        try
        {
            string? clip = options.Clip, clipCommand = null, clipDescription = null;
            if (options.Video)
            {
                MediaTools tools = MediaTools.Locate(Environment.GetEnvironmentVariable("PATH"));
                if (clip is null)
                {
                    clip = Path.Combine(work, "clip.mp4");
                    clipCommand = $"ffmpeg {ClipArguments} clip.mp4";
                    progress.WriteLine($"making the clip: {clipCommand}");
                    await RunFfmpegAsync(Path.Combine(tools.Directory, "ffmpeg"), $"-hide_banner -loglevel error -y {ClipArguments} {clip}", cancellationToken).ConfigureAwait(false);
                }
                MediaFile file = await MediaFile.ProbeAsync(clip, tools, cancellationToken).ConfigureAwait(false);
                clipDescription = string.Create(CultureInfo.InvariantCulture,
                    $"{file.Name}: {file.Duration.TotalSeconds:0.0} s, video {file.Video?.Codec} {file.Video?.Width}x{file.Video?.Height}, audio {file.Audio?.Codec ?? "none"}");
                if (file.Audio is null || file.Video is null) throw new BenchException($"{clip} needs an audio and a video stream");
            }

            progress.WriteLine("starting the server in this process (loopback, fresh data directory)…");
            await using InProcessServer server = await InProcessServer.StartAsync(cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"server at {server.BaseAddress}");
            var cases = new List<CaseResult>();
            List<(BotMedia Media, int Complexity, IReadOnlyList<int> Counts)> series = [];
            if (options.Audio) series.AddRange(options.Complexities.Select(c => (BotMedia.Audio, c, options.Bots)));
            if (options.Video) series.Add((BotMedia.Video, options.Complexities[0], options.VideoBots));
            foreach ((BotMedia media, int complexity, IReadOnlyList<int> counts) in series)
            {
                foreach (int n in counts)
                {
                    CaseResult result = await RunCaseAsync(server, media, complexity, n, clip, work, cancellationToken).ConfigureAwait(false);
                    cases.Add(result);
                    string line = string.Create(CultureInfo.InvariantCulture,
                        $"{media} c{complexity} N={n}: bots {result.BotsCores * 100:0.0} % of a core ({result.PerBotCores * 100:0.00} % per bot; ffmpeg {result.FfmpegCores * 100:0.0} %), "
                        + $"server {result.ServerCores * 100:0.0} %, machine {result.MachineBusyCores * 100:0} % (busiest second {result.MachineBusiestSecond * 100:0} %, others {result.OthersBusiestSecond * 100:0} %); audio min {result.Window.AudioMin:0.0}/s, "
                        + $"skipped {result.Window.Skipped}, late p99 {result.Window.LateP99:0.0} ms");
                    if (media == BotMedia.Video)
                        line += string.Create(CultureInfo.InvariantCulture, $", video min {result.Window.VideoMin:0.0}/s, skipped {result.Window.VideoSkipped}");
                    progress.WriteLine(result.KeptRealTime ? line : line + " — NOT real time");
                    if (!result.KeptRealTime && !options.KeepGoing)
                    {
                        progress.WriteLine($"{media} c{complexity}: real time lost at N={n}; the series stops (--keep-going runs the rest)");
                        break;
                    }
                }
            }
            return new CallBotsResult(startedAt, Stopwatch.GetElapsedTime(start).TotalSeconds, loadBefore, MachineInfo.ReadLoadAverage(), clip, clipCommand,
                clipDescription, cases);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // the temp cleaner takes it
            }
        }
    }

    private async Task<CaseResult> RunCaseAsync(InProcessServer server, BotMedia media, int complexity, int n, string? clip, string work,
        CancellationToken cancellationToken)
    {
        double? loadBefore = MachineInfo.ReadLoadAverage();
        string room = string.Create(CultureInfo.InvariantCulture,
            $"bench-bots-{media.ToString().ToLowerInvariant()}-{n}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        string tokens = Path.Combine(work, room + ".tokens");
        using (ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken))
        using (ConclaveApiClient anonymous = ConclaveApiClient.Create(server.BaseAddress))
        {
            await admin.CreateRoomAsync(new CreateRoomRequest(room), cancellationToken).ConfigureAwait(false);
            var lines = new List<string>(n);
            for (int i = 0; i < n; i++)
            {
                InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest($"bot {i + 1}"), cancellationToken).ConfigureAwait(false);
                lines.Add((await anonymous.RedeemInvitationAsync(invitation.Code, cancellationToken).ConfigureAwait(false)).Token);
            }
            File.WriteAllLines(tokens, lines);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tokens, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        progress.WriteLine($"{media} c{complexity} N={n}: room {room}; starting the bots' process…");
        List<string> arguments = [typeof(BotsChild).Assembly.Location, BotsChild.Mode, "--server", server.BaseAddress.ToString(), "--room", room, "--tokens", tokens,
            "--media", media == BotMedia.Video ? "video" : "audio", "--complexity", complexity.ToString(CultureInfo.InvariantCulture),
            "--warmup", options.WarmupSeconds.ToString(CultureInfo.InvariantCulture)];
        if (media == BotMedia.Video) arguments.AddRange(["--clip", clip!]);
        var info = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,                          // its progress goes to ours
            WorkingDirectory = work,
        };
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_gcServer"] = "0";
        using Process child = Process.Start(info) ?? throw new BenchException("cannot start the bots' process");
        try
        {
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ready.CancelAfter(TimeSpan.FromSeconds(90 + 3 * n + options.WarmupSeconds));
            Dictionary<string, string> readyFields = await ExpectAsync(child, "ready", ready.Token).ConfigureAwait(false);
            progress.WriteLine($"{media} c{complexity} N={n}: joined in {readyFields["join"]} s, first frames {readyFields["firstFrames"]} s later, "
                + $"{options.WarmupSeconds} s warm-up done; measuring {options.Seconds} s…");

            (ProcCpu.Tree before, double serverBefore, long at) = Sample(child.Id);
            await child.StandardInput.WriteLineAsync("mark").ConfigureAwait(false);
            await child.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            await ExpectAsync(child, "mark", cancellationToken).ConfigureAwait(false);
            // Each second of the window sampled too: a mean can hide seconds when the machine was saturated by others.
            (ProcCpu.Tree Bots, double Server, long At) last = (before, serverBefore, at);
            double busiest = 0, othersBusiest = 0;
            for (int second = 1; second <= options.Seconds; second++)
            {
                long due = at + second * Stopwatch.Frequency;
                TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                var now = Sample(child.Id);
                double wall = Stopwatch.GetElapsedTime(last.At, now.At).TotalSeconds;
                double busy = (now.Bots.Everything - last.Bots.Everything) / wall;
                busiest = Math.Max(busiest, busy);
                othersBusiest = Math.Max(othersBusiest, busy - (now.Bots.Total - last.Bots.Total + now.Server - last.Server) / wall);
                last = now;
            }
            (ProcCpu.Tree after, double serverAfter, long end) = last;
            await child.StandardInput.WriteLineAsync("mark").ConfigureAwait(false);
            await child.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            BotsWindow window = BotsWindow.Parse(await ExpectAsync(child, "mark", cancellationToken).ConfigureAwait(false));

            await child.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
            await child.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            await child.WaitForExitAsync(cancellationToken).WaitAsync(ExitTimeout, cancellationToken).ConfigureAwait(false);
            if (child.ExitCode != 0) throw new BenchException($"the bots' process exited with code {child.ExitCode}");

            double seconds = Stopwatch.GetElapsedTime(at, end).TotalSeconds;
            return new CaseResult(media, complexity, n, double.Parse(readyFields["join"], CultureInfo.InvariantCulture), seconds,
                (after.Process - before.Process) / seconds, (after.Children - before.Children) / seconds, Math.Min(before.LiveChildren, after.LiveChildren),
                (serverAfter - serverBefore) / seconds,
                (after.Everything - before.Everything) / seconds,
                busiest, Math.Max(0, othersBusiest), window, loadBefore);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            File.Delete(tokens);
        }
    }

    private static (ProcCpu.Tree Bots, double Server, long At) Sample(int child)
    {
        ProcCpu.Tree bots = ProcCpu.TreeOf(child) ?? throw new BenchException("the bots' process is gone");
        return (bots, ProcCpu.Self(), Stopwatch.GetTimestamp());
    }

    /// <summary>Reads the child's lines until one starts with <paramref name="word"/>; its key=value fields.</summary>
    private static async Task<Dictionary<string, string>> ExpectAsync(Process child, string word, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line = await child.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new BenchException($"the bots' process ended (exit code {(child.WaitForExit(5000) ? child.ExitCode : -1)}) before '{word}'; see its messages above");
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0] != word) continue;
            return parts.Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }
    }

    private static async Task RunFfmpegAsync(string ffmpeg, string arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(ffmpeg, arguments) { UseShellExecute = false, RedirectStandardError = true };
        using Process process = Process.Start(info) ?? throw new BenchException($"cannot start {ffmpeg}");
        string errors = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0) throw new BenchException($"ffmpeg could not make the clip (exit code {process.ExitCode}): {errors.Trim()}");
    }

    /// <summary>The dotnet host this tool runs on (or the one next to the runtime).</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
