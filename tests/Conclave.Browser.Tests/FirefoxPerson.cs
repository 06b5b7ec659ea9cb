using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WebDriverBiDi;
using WebDriverBiDi.BrowsingContext;
using WebDriverBiDi.Input;
using WebDriverBiDi.Log;
using WebDriverBiDi.Script;
using WebDriverBiDi.Session;

namespace Conclave.Browser.Tests;

/// <summary>
/// One simulated person in Firefox: Debian's Firefox ESR, headless, with its own fresh profile, driven over WebDriver
/// BiDi (the WebDriverBiDi client library; Firefox no longer speaks CDP, and Playwright drives only its own patched
/// Firefox builds, which cannot be downloaded here). The same role as <see cref="Person"/> for Chromium: the page, its
/// console and uncaught errors, and waits on <c>window.conclave.state()</c>.
/// </summary>
/// <remarks>
/// PuppeteerSharp 25.15.0 would do the launching, but it is built against WebDriverBiDi 0.0.61, which the package
/// mirror does not serve; with 0.0.63 (the next one) its launch fails with a MissingMethodException
/// (<c>BrowsingContextModule.get_OnContextCreated()</c> changed type). So the launch is done here: a profile with
/// <see cref="Preferences"/> in its <c>user.js</c>, <c>--remote-debugging-port=0</c>, and the address Firefox prints.
/// </remarks>
public sealed partial class FirefoxPerson : IAsyncDisposable
{
    /// <summary>Debian's `firefox-esr` package; scripts/test.sh installs it.</summary>
    public static readonly string FirefoxPath = Environment.GetEnvironmentVariable("CONCLAVE_TEST_FIREFOX") is { Length: > 0 } path
        ? path
        : "/usr/bin/firefox-esr";

    /// <summary>
    /// Preferences of every test profile (Firefox's remote agent adds its own recommended automation preferences on
    /// top). Media: fake camera and microphone granted without a prompt and counted as capturing, ICE on loopback with
    /// real addresses (no mDNS names), autoplay with sound. Network: nothing that would try to leave 127.0.0.1 (telemetry, remote settings and
    /// experiments, updates, safe browsing, captive-portal and connectivity checks, DNS over HTTPS, prefetching,
    /// add-on and media-plugin downloads).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, object> Preferences = new Dictionary<string, object>
    {
        // Media (docs/web-client.md).
        ["media.navigator.streams.fake"] = true,
        ["media.navigator.permission.disabled"] = true,
        // Fake devices count as capturing, as real ones do: otherwise Firefox gathers ICE candidates only on the default
        // route's interface (none in a loopback-only namespace: "failed to find default addresses", ICE fails).
        ["media.navigator.permission.fake"] = true,
        ["media.peerconnection.ice.loopback"] = true,
        ["media.peerconnection.ice.obfuscate_host_addresses"] = false,
        ["media.peerconnection.ice.default_address_only"] = false,
        ["media.peerconnection.ice.no_host"] = false,
        ["media.peerconnection.default_iceservers"] = "[]",
        ["media.autoplay.default"] = 0,
        ["media.autoplay.blocking_policy"] = 0,
        ["media.gmp-manager.updateEnabled"] = false,
        ["media.gmp-gmpopenh264.enabled"] = false,
        ["media.gmp-gmpopenh264.autoupdate"] = false,
        ["media.gmp-widevinecdm.enabled"] = false,
        ["media.eme.enabled"] = false,
        // Telemetry, studies, crash reports.
        ["toolkit.telemetry.enabled"] = false,
        ["toolkit.telemetry.unified"] = false,
        ["toolkit.telemetry.archive.enabled"] = false,
        ["toolkit.telemetry.server"] = "",
        ["toolkit.telemetry.coverage.opt-out"] = true,
        ["toolkit.coverage.opt-out"] = true,
        ["datareporting.healthreport.uploadEnabled"] = false,
        ["datareporting.policy.dataSubmissionEnabled"] = false,
        ["datareporting.policy.dataSubmissionPolicyBypassNotification"] = true,
        ["browser.ping-centre.telemetry"] = false,
        ["browser.newtabpage.activity-stream.feeds.telemetry"] = false,
        ["browser.newtabpage.activity-stream.telemetry"] = false,
        ["app.shield.optoutstudies.enabled"] = false,
        ["app.normandy.enabled"] = false,
        ["app.normandy.api_url"] = "",
        ["messaging-system.rsexperimentloader.enabled"] = false,
        ["nimbus.rollouts.enabled"] = false,
        ["breakpad.reportURL"] = "",
        ["browser.tabs.crashReporting.sendReport"] = false,
        ["browser.crashReports.unsubmittedCheck.autoSubmit2"] = false,
        // Updates, remote settings, add-ons, safe browsing, first-run pages.
        ["app.update.auto"] = false,
        ["app.update.disabledForTesting"] = true,
        ["app.update.checkInstallTime"] = false,
        ["services.settings.server"] = "data:,#remote-settings-dummy/v1",
        ["extensions.update.enabled"] = false,
        ["extensions.update.notifyUser"] = false,
        ["extensions.systemAddon.update.enabled"] = false,
        ["extensions.getAddons.cache.enabled"] = false,
        ["extensions.blocklist.enabled"] = false,
        ["extensions.autoDisableScopes"] = 0,
        ["extensions.enabledScopes"] = 5,
        ["browser.search.update"] = false,
        ["browser.region.update.enabled"] = false,
        ["browser.region.network.url"] = "",
        ["geo.provider.network.url"] = "",
        ["identity.fxaccounts.enabled"] = false,
        ["browser.safebrowsing.malware.enabled"] = false,
        ["browser.safebrowsing.phishing.enabled"] = false,
        ["browser.safebrowsing.downloads.enabled"] = false,
        ["browser.safebrowsing.blockedURIs.enabled"] = false,
        ["browser.safebrowsing.passwords.enabled"] = false,
        ["browser.safebrowsing.provider.mozilla.updateURL"] = "",
        ["browser.safebrowsing.provider.google4.updateURL"] = "",
        ["browser.backup.enabled"] = false,
        ["browser.newtabpage.enabled"] = false,
        ["browser.startup.page"] = 0,
        ["browser.startup.homepage"] = "about:blank",
        ["browser.startup.homepage_override.mstone"] = "ignore",
        ["browser.shell.checkDefaultBrowser"] = false,
        ["browser.aboutwelcome.enabled"] = false,
        ["browser.discovery.enabled"] = false,
        ["browser.sessionstore.resume_from_crash"] = false,
        ["toolkit.startup.max_resumed_crashes"] = -1,
        // Connection checks, DNS and prefetching.
        ["network.captive-portal-service.enabled"] = false,
        ["captivedetect.canonicalURL"] = "",
        ["network.connectivity-service.enabled"] = false,
        ["network.manage-offline-status"] = false,
        ["network.trr.mode"] = 5,
        ["network.dns.disablePrefetch"] = true,
        ["network.prefetch-next"] = false,
        ["network.predictor.enabled"] = false,
        ["network.http.speculative-parallel-limit"] = 0,
        ["browser.urlbar.speculativeConnect.enabled"] = false,
        ["network.sntp.pools"] = "",
    };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<string> _console = new();
    private readonly Process _process;    // Owned
    private readonly BiDiDriver _driver;   // Owned
    private readonly string _context;
    private readonly string _profile;
    private readonly ConcurrentQueue<string> _output;

    private FirefoxPerson(string name, Process process, BiDiDriver driver, string context, string profile, ConcurrentQueue<string> output)
    {
        Name = name;
        _process = process;
        _driver = driver;
        _context = context;
        _profile = profile;
        _output = output;
        driver.Log.OnEntryAdded.AddObserver(e =>
        {
            // Uncaught exceptions and unhandled rejections arrive as `javascript` errors (so does Firefox's own
            // "WebRTC: ICE failed"); console calls and warnings go to the console log.
            if (e.Type == "javascript" && e.Level == LogLevel.Error) _pageErrors.Enqueue(e.Text ?? "");
            else _console.Enqueue($"{e.Level}: {e.Text}");
        });
    }

    public string Name { get; }

    /// <summary>Uncaught exceptions and unhandled rejections in the page.</summary>
    public IReadOnlyCollection<string> PageErrors => _pageErrors;

    /// <summary>Fails (never skips) when Firefox is missing: a skipped browser test looks green in CI.</summary>
    public static void EnsureFirefox()
    {
        if (!File.Exists(FirefoxPath))
        {
            throw new InvalidOperationException(
                $"Firefox not found at {FirefoxPath}. The Firefox interop test needs Debian's firefox-esr package: " +
                "run `sudo apt-get install -y firefox-esr` (scripts/test.sh installs it when run as root), " +
                "or point CONCLAVE_TEST_FIREFOX at a Firefox binary.");
        }
    }

    /// <summary>A new person in a headless Firefox with a fresh profile holding <see cref="Preferences"/>.</summary>
    public static async Task<FirefoxPerson> LaunchAsync(string name)
    {
        EnsureFirefox();
        string profile = Directory.CreateTempSubdirectory("conclave-firefox-").FullName;
        await File.WriteAllTextAsync(Path.Combine(profile, "user.js"), UserJs());
        var output = new ConcurrentQueue<string>();
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(FirefoxPath)
        {
            ArgumentList = { "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0", "--window-size=800,600", "about:blank" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["MOZ_CRASHREPORTER_DISABLE"] = "1",
                // A release build ignores services.settings.server (remote settings would poll Mozilla's server)
                // unless this is set.
                ["MOZ_REMOTE_SETTINGS_DEVTOOLS"] = "1",
            },
        };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null) return;
            if (output.Count < 2000) output.Enqueue(e.Data);
            if (BiDiEndpoint().Match(e.Data) is { Success: true } match) endpoint.TrySetResult(match.Groups[1].Value);
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Exited += (_, _) => endpoint.TrySetException(new InvalidOperationException($"Firefox exited ({process.ExitCode}) before listening"));
        BiDiDriver? driver = null;
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string url = await endpoint.Task.WaitAsync(BrowserFixture.Deadline);
            driver = new BiDiDriver(BrowserFixture.Deadline);
            await driver.StartAsync(url + "/session");
            await driver.Session.NewSessionAsync(new NewCommandParameters());
            await driver.Session.SubscribeAsync(new SubscribeCommandParameters(["log.entryAdded"]));
            GetTreeCommandResult tree = await driver.BrowsingContext.GetTreeAsync(new GetTreeCommandParameters());
            string context = tree.ContextTree[0].BrowsingContextId;
            return new FirefoxPerson(name, process, driver, context, profile, output);
        }
        catch (Exception e)
        {
            if (driver is not null) await driver.DisposeAsync();
            Stop(process);
            Person.DeleteProfile(profile);
            throw new InvalidOperationException($"Firefox ({FirefoxPath}) did not start under WebDriver BiDi: {e.Message}. Output: [{string.Join(" | ", output)}]", e);
        }
    }

    /// <summary>`user_pref(name, value);` per preference (prefs.js syntax: JSON literals).</summary>
    private static string UserJs()
    {
        var text = new StringBuilder();
        foreach ((string key, object value) in Preferences)
        {
            string literal = value switch
            {
                bool b => b ? "true" : "false",
                int i => i.ToString(CultureInfo.InvariantCulture),
                string s => JsonSerializer.Serialize(s),
                _ => throw new NotSupportedException($"preference {key}: {value.GetType()}"),
            };
            text.Append(CultureInfo.InvariantCulture, $"user_pref({JsonSerializer.Serialize(key)}, {literal});\n");
        }
        return text.ToString();
    }

    [GeneratedRegex(@"WebDriver BiDi listening on (ws://\S+)")]
    private static partial Regex BiDiEndpoint();

    /// <summary>Navigates the page and waits for its load event.</summary>
    public async Task OpenAsync(string url) =>
        await _driver.BrowsingContext.NavigateAsync(new NavigateCommandParameters(_context, url) { Wait = ReadinessState.Complete });

    /// <summary>Calls <paramref name="function"/> (a JS function, may be async) in the page and returns its result as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string function, TimeSpan? timeout = null)
    {
        var call = new CallFunctionCommandParameters(
            $"async () => JSON.stringify(await ({function})() ?? null)", new ContextTarget(_context), awaitPromise: true);
        EvaluateResult result = await _driver.Script.CallFunctionAsync(call, timeout);
        if (result is EvaluateResultException exception)
            throw new InvalidOperationException($"{Name} (Firefox): script threw {exception.ExceptionDetails.Text}");
        string json = ((EvaluateResultSuccess)result).Result.As<StringRemoteValue>().Value;
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The page's own view: <c>window.conclave.state()</c>.</summary>
    public async Task<PageState> StateAsync() =>
        (await EvaluateAsync("() => window.conclave.state()")).Deserialize<PageState>(Json)
            ?? throw new InvalidOperationException("window.conclave.state() returned null");

    /// <summary>
    /// Waits until <paramref name="predicate"/> (a JS expression over <c>s</c>, the page state) holds, polled in the page
    /// every 50 ms. On timeout, fails with the last state, the status line and the console.
    /// </summary>
    public async Task WaitForStateAsync(string predicate)
    {
        double deadline = BrowserFixture.Deadline.TotalMilliseconds;
        bool held = (await EvaluateAsync($$"""
            async () => {
              const end = Date.now() + {{deadline}};
              while (Date.now() < end) {
                const s = window.conclave?.state();
                if (!!s && ({{predicate}})) return true;
                await new Promise(resolve => setTimeout(resolve, 50));
              }
              return false;
            }
            """, BrowserFixture.Deadline + TimeSpan.FromSeconds(30))).GetBoolean();
        if (!held) Assert.Fail($"{Name} (Firefox): `{predicate}` did not hold within {BrowserFixture.Deadline.TotalSeconds}s. {await DescribeAsync()}");
    }

    /// <summary>Clicks the enabled button whose text is <paramref name="label"/> as a person would: a real pointer
    /// press and release at its centre (WebDriver BiDi input.performActions).</summary>
    public async Task ClickButtonAsync(string label)
    {
        var find = new CallFunctionCommandParameters(
            $"() => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === {JsonSerializer.Serialize(label)} && !b.disabled) ?? null",
            new ContextTarget(_context), awaitPromise: false);
        EvaluateResult result = await _driver.Script.CallFunctionAsync(find);
        if (result is not EvaluateResultSuccess { Result: NodeRemoteValue button })
            throw new InvalidOperationException($"{Name} (Firefox): no enabled button \"{label}\". {await DescribeAsync()}");
        var pointer = new PointerSourceActions();
        pointer.Actions.Add(new PointerMoveAction { Origin = Origin.Element(button.ToSharedReference()), X = 0, Y = 0 });
        pointer.Actions.Add(new PointerDownAction(0));
        pointer.Actions.Add(new PointerUpAction(0));
        var actions = new PerformActionsCommandParameters(_context);
        actions.Actions.Add(pointer);
        await _driver.Input.PerformActionsAsync(actions);
    }

    /// <summary>State, status line, console and browser output, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        string state;
        try
        {
            state = (await EvaluateAsync(
                "() => ({ state: window.conclave?.state() ?? null, status: document.getElementById('status')?.textContent ?? null, notice: document.getElementById('notice')?.textContent ?? null })",
                TimeSpan.FromSeconds(10))).GetRawText();
        }
        catch (Exception e) when (e is WebDriverBiDiException or InvalidOperationException or TimeoutException)
        {
            state = $"(unavailable: {e.Message})";
        }

        return $"Page: {state}; console: [{string.Join(" | ", _console)}]; page errors: [{string.Join(" | ", _pageErrors)}]; " +
            $"Firefox output (last 40 lines): [{string.Join(" | ", _output.TakeLast(40))}]";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            try
            {
                await _driver.Browser.CloseAsync(new WebDriverBiDi.Browser.CloseCommandParameters(), TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is WebDriverBiDiException or TimeoutException or ObjectDisposedException)
            {
                // Already gone, or hung: stopped below.
            }
            await _driver.DisposeAsync();
        }
        finally
        {
            Stop(_process);
            Person.DeleteProfile(_profile);
        }
    }

    /// <summary>Waits a little for Firefox to exit, then kills its whole process tree.</summary>
    private static void Stop(Process process)
    {
        try
        {
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            process.Dispose();
        }
    }
}
