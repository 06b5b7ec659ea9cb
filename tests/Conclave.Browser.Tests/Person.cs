using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// One simulated person: a Chromium with its own profile and the page they use. Records every request
/// and WebSocket the page opens, and every uncaught script error, for the assertions.
/// </summary>
public sealed class Person : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _webSockets = new();
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<string> _console = new();
    private readonly ConcurrentQueue<(bool Sent, string Text)> _e2eeFrames = new();
    private readonly string _profile;

    internal Person(string name, IBrowserContext context, IPage page, string profile)
    {
        Name = name;
        Context = context;
        Page = page;
        _profile = profile;
        page.Request += (_, request) => _requests.Enqueue(request.Url);
        page.WebSocket += (_, socket) =>
        {
            _webSockets.Enqueue(socket.Url);
            socket.FrameSent += (_, frame) => RecordE2ee(true, frame.Text);
            socket.FrameReceived += (_, frame) => RecordE2ee(false, frame.Text);
        };
        page.PageError += (_, error) => _pageErrors.Enqueue(error);
        page.Console += (_, message) => _console.Enqueue($"{message.Type}: {message.Text}");
    }

    public string Name { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>URL of every HTTP request the page made (documents, scripts, fetches, favicon…).</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>URL of every WebSocket the page opened.</summary>
    public IReadOnlyCollection<string> WebSockets => _webSockets;

    /// <summary>Uncaught exceptions and unhandled rejections in the page.</summary>
    public IReadOnlyCollection<string> PageErrors => _pageErrors;

    /// <summary>Console output, for failure messages.</summary>
    public IReadOnlyCollection<string> Console => _console;

    /// <summary>The key-distribution frames of the page's signaling sockets, in order: the <c>e2ee-send</c> requests it sent
    /// (<c>Sent</c>) and the <c>e2ee</c> events the server relayed to it, as JSON text.</summary>
    public IReadOnlyCollection<(bool Sent, string Text)> E2eeFrames => _e2eeFrames;

    private void RecordE2ee(bool sent, string? text)
    {
        if (text is not null && (text.Contains("\"e2ee-send\"", StringComparison.Ordinal) || text.Contains("\"e2ee\"", StringComparison.Ordinal)))
            _e2eeFrames.Enqueue((sent, text));
    }

    public async Task OpenAsync(string url) => await Page.GotoAsync(url);

    /// <summary>The page's own view: <c>window.conclave.state()</c>.</summary>
    public async Task<PageState> StateAsync()
    {
        JsonElement state = await Page.EvaluateAsync<JsonElement>("() => window.conclave.state()");
        return state.Deserialize<PageState>(Json) ?? throw new InvalidOperationException("window.conclave.state() returned null");
    }

    /// <summary>
    /// Waits until <paramref name="predicate"/> (a JS expression over <c>s</c>, the page state) holds.
    /// On timeout, fails with the last state, the status line and the console.
    /// </summary>
    public async Task WaitForStateAsync(string predicate)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                $"() => {{ const s = window.conclave?.state(); return !!s && ({predicate}); }}",
                null,
                new PageWaitForFunctionOptions { Timeout = (float)BrowserFixture.Deadline.TotalMilliseconds, PollingInterval = 50 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Name}: `{predicate}` did not hold within {BrowserFixture.Deadline.TotalSeconds}s. {await DescribeAsync()}");
        }
    }

    /// <summary>State, status line and console of the page, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        string state, status;
        try
        {
            state = (await Page.EvaluateAsync<JsonElement>("() => window.conclave?.state() ?? null")).GetRawText();
            // Evaluated rather than located: a busy machine must not turn a diagnostic into a failure of its own.
            status = await Page.EvaluateAsync<string?>("() => document.getElementById('status')?.textContent ?? null") ?? "";
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            state = status = $"(unavailable: {e.Message})";
        }

        return $"State: {state}; #status: \"{status}\"; console: [{string.Join(" | ", _console)}]; page errors: [{string.Join(" | ", _pageErrors)}]";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
        }
        finally
        {
            DeleteProfile(_profile);
        }
    }

    internal static void DeleteProfile(string profile)
    {
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be flushing a file; the OS temp cleaner takes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>What <c>window.conclave.state()</c> returns (a contract of the join page).</summary>
public sealed record PageState(bool Connected, string? SessionId, string? Room, string? Error, IReadOnlyList<PageParticipant> Participants);

public sealed record PageParticipant(string SessionId, string UserId, string DisplayName, string Role);
