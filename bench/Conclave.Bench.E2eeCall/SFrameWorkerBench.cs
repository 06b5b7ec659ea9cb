using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;

namespace Conclave.Bench.E2eeCall;

/// <summary>One suite × frame × direction × in-flight case of the sframe-worker mode.</summary>
/// <param name="Frames">Frames encrypted or decrypted in the measured window.</param>
/// <param name="Seconds">The window, timed in the worker (performance.now).</param>
/// <param name="InputBytes">Bytes of each frame handed to the step: the frame (encrypt) or its SFrame form (decrypt).</param>
/// <param name="CpuSeconds">CPU time of all the browser's processes over the window (and the call that ran it).</param>
/// <param name="WallSeconds">Wall time of that call, as seen by this tool.</param>
internal sealed record WorkerCase(string Suite, string SuiteName, string Kind, int FrameBytes, string Direction, int InFlight,
    long Frames, double Seconds, int InputBytes, double CpuSeconds, double WallSeconds)
{
    public double FramesPerSecond => Frames / Seconds;

    /// <summary>Frame bytes (the media frame, not its SFrame form) per second, in MiB.</summary>
    public double MiBPerSecond => Frames * (double)FrameBytes / Seconds / (1024 * 1024);

    /// <summary>Cores the browser kept busy.</summary>
    public double Cores => CpuSeconds / WallSeconds;

    /// <summary>Frames per CPU-second of the browser: the rate one core sustains.</summary>
    public double FramesPerCpuSecond => CpuSeconds > 0 ? Frames / (CpuSeconds * Seconds / WallSeconds) : double.NaN;
}

/// <summary>Everything an sframe-worker run measured.</summary>
internal sealed record WorkerResult(string Chromium, string Page, DateTimeOffset StartedAt, IReadOnlyList<WorkerCase> Cases, double? LoadBefore, double? LoadAfter);

/// <summary>
/// Opens /bench/sframe.html of the in-process server in a headless Chromium, starts /bench/sframe-worker.js as a
/// dedicated module worker (it imports the call page's /e2ee/sframe.js), and runs each case there: prepare (keys and
/// 64 frames), a warm-up, then the measured window, with the browser's CPU time read from /proc around it.
/// </summary>
internal sealed class SFrameWorkerBench(BenchOptions options, TextWriter progress)
{
    /// <summary>As the browser tests launch it: no GPU, no QUIC, nothing in the background that would leave the machine.</summary>
    private static readonly string[] ChromiumFlags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private const string Harness = """
        () => {
          const worker = new Worker('/bench/sframe-worker.js', { type: 'module' });
          const waiting = new Map();
          let next = 0;
          worker.onmessage = ({ data }) => {
            const entry = waiting.get(data.id);
            waiting.delete(data.id);
            if (data.error) entry.reject(new Error(data.error)); else entry.resolve(data.result);
          };
          worker.onerror = (event) => {
            for (const entry of waiting.values()) entry.reject(new Error(`worker error: ${event.message}`));
            waiting.clear();
          };
          window.benchCall = (message) => new Promise((resolve, reject) => {
            const id = ++next;
            waiting.set(id, { resolve, reject });
            worker.postMessage({ ...message, id });
          });
          return window.benchCall({ op: 'ping' });
        }
        """;

    public async Task<WorkerResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        double? loadBefore = MachineInfo.ReadLoadAverage();
        progress.WriteLine("starting the server in this process (loopback, fresh data directory)…");
        InProcessServer server = await InProcessServer.StartAsync(cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            using IPlaywright playwright = await Playwright.CreateAsync().ConfigureAwait(false);
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = options.Chromium,
                Headless = true,
                Args = ChromiumFlags,
            }).ConfigureAwait(false);
            await using (browser.ConfigureAwait(false))
            {
                IPage page = await browser.NewPageAsync().ConfigureAwait(false);
                string url = new Uri(server.BaseAddress, "/bench/sframe.html").ToString();
                IResponse? response = await page.GotoAsync(url).ConfigureAwait(false);
                if (response is null || !response.Ok)
                    throw new BenchException($"{url} answered {response?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}: is wwwroot/bench/ in the tool's output?");
                await page.EvaluateAsync(Harness).ConfigureAwait(false);
                progress.WriteLine($"Chromium {browser.Version}: worker ready at {url}");

                var cases = new List<WorkerCase>();
                foreach (int inFlight in options.InFlight)
                foreach (SuiteChoice suite in options.SuiteList)
                foreach (FrameShape frame in options.Frames)
                foreach (string direction in (string[])["encrypt", "decrypt"])
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var setup = new { op = "prepare", cipherSuite = suite.Id, size = frame.Size, kind = frame.Kind, direction };
                    await page.EvaluateAsync("(m) => window.benchCall(m)", setup).ConfigureAwait(false);
                    if (options.WarmupSeconds > 0)
                        await page.EvaluateAsync("(m) => window.benchCall(m)", new { op = "run", seconds = (double)options.WarmupSeconds, inFlight }).ConfigureAwait(false);

                    double cpuBefore = ProcessCpu.DescendantsSeconds();
                    long wallStart = Stopwatch.GetTimestamp();
                    JsonElement run = await page.EvaluateAsync<JsonElement>("(m) => window.benchCall(m)",
                        new { op = "run", seconds = (double)options.Seconds, inFlight }).ConfigureAwait(false);
                    double wall = Stopwatch.GetElapsedTime(wallStart).TotalSeconds;
                    double cpu = ProcessCpu.DescendantsSeconds() - cpuBefore;

                    var result = new WorkerCase(suite.Name, suite.RfcName, frame.Kind, frame.Size, direction, inFlight,
                        run.GetProperty("frames").GetInt64(), run.GetProperty("elapsedMs").GetDouble() / 1000, run.GetProperty("inputBytes").GetInt32(), cpu, wall);
                    cases.Add(result);
                    progress.WriteLine($"{suite.Name} {frame} {direction} in-flight {inFlight}: {result.FramesPerSecond:0} frames/s, " +
                        $"{result.MiBPerSecond:0.0} MiB/s, browser {result.Cores:0.00} cores");
                }
                return new WorkerResult(browser.Version, url, startedAt, cases, loadBefore, MachineInfo.ReadLoadAverage());
            }
        }
    }
}
