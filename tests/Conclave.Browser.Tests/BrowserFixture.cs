using Conclave.Client;
using Conclave.MediaServer.Tests;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// One in-process server and one Playwright driver for a test class. Each simulated person is a
/// separate Chromium with its own fresh profile directory (<see cref="NewPersonAsync"/>), so nothing
/// (local storage, cookies, cache) is shared between people unless a test reuses a person.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's `chromium` package; scripts/test.sh installs it. Playwright's own browsers are never downloaded.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("CONCLAVE_TEST_CHROMIUM") is { Length: > 0 } path
        ? path
        : "/usr/bin/chromium";

    /// <summary>No GPU, no QUIC, nothing in the background that would try to leave the machine.</summary>
    private static readonly string[] ChromiumFlags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    /// <summary>Generous bound for every wait on a condition in the browser (two cores, other test projects running).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private TestServer? _server;
    private IPlaywright? _playwright;

    public TestServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>What publishers send to <see cref="Server"/>'s SFU, frame by frame (the E2EE check at the SFU).</summary>
    public SfuCapture Capture { get; } = new();

    public async ValueTask InitializeAsync()
    {
        EnsureChromium();
        Assertions.SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Conclave:Signaling:HelloTimeout"] = "00:00:05",
            // The product's session timeout rather than TestServer's 6 s: pages leave with Leave, never by expiring,
            // and two cores running every suite at once can starve a page's heartbeat for more than 6 s.
            ["Conclave:Sessions:Timeout"] = "00:00:20",
        }, services: s => s.AddSingleton<IInboundRtpObserver>(Capture));
        _playwright = await Playwright.CreateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _playwright?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>Fake camera and microphone (a test pattern and a periodic beep), granted without a prompt; received
    /// audio may play without a user gesture; ICE may gather on loopback, the only interface of the test's network
    /// namespace.</summary>
    public static readonly string[] MediaFlags =
    [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required", "--auto-select-desktop-capture-source=Entire screen",
    ];

    /// <summary>Fails (never skips) when the browser is missing: a skipped browser suite looks green in CI.</summary>
    public static void EnsureChromium()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium not found at {ChromiumPath}. The browser tests need Debian's chromium package: " +
                "run `sudo apt-get install -y chromium` (scripts/test.sh installs it when run as root), " +
                "or point CONCLAVE_TEST_CHROMIUM at a Chromium binary. Do not run `playwright install`.");
        }
    }

    /// <summary>A new person: their own Chromium and profile, one blank page, every request recorded.</summary>
    /// <param name="withMedia">Launch with <see cref="MediaFlags"/>: fake camera and microphone.</param>
    public Task<Person> NewPersonAsync(string name, string? locale = null, bool withMedia = false) =>
        LaunchPersonAsync(_playwright ?? throw new InvalidOperationException("not started"), name, locale, withMedia ? MediaFlags : []);

    /// <summary>Launches a Chromium with a fresh profile and <paramref name="extraFlags"/> (e.g. <see cref="MediaFlags"/>).</summary>
    public static async Task<Person> LaunchPersonAsync(IPlaywright playwright, string name, string? locale, IEnumerable<string> extraFlags)
    {
        string profile = Directory.CreateTempSubdirectory("conclave-browser-").FullName;
        try
        {
            IBrowserContext context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = [.. ChromiumFlags, .. extraFlags],
                Locale = locale ?? "en-US",
                ViewportSize = new ViewportSize { Width = 800, Height = 600 },
                Timeout = (float)Deadline.TotalMilliseconds,
            });
            context.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
            IPage page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
            return new Person(name, context, page, profile);
        }
        catch
        {
            Person.DeleteProfile(profile);
            throw;
        }
    }

    /// <summary>A new room with a unique name.</summary>
    public async Task<string> CreateRoomAsync()
    {
        string name = "room-" + Guid.NewGuid().ToString("N")[..12];
        using ConclaveApiClient admin = ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);
        await admin.CreateRoomAsync(new CreateRoomRequest(name), TestContext.Current.CancellationToken);
        return name;
    }

    /// <summary>An invitation link into <paramref name="room"/> for <paramref name="displayName"/> (not redeemed).</summary>
    public async Task<string> InviteAsync(string room, string displayName)
    {
        using ConclaveApiClient admin = ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(displayName), TestContext.Current.CancellationToken);
        return invitation.Url;
    }
}
