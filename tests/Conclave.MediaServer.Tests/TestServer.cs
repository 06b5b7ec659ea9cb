using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Conclave.MediaServer.Hosting;
using Conclave.MediaServer.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// The real server (Kestrel + co-hosted silo) in this process, on free loopback ports, with a fresh data
/// directory and short session timeouts. Every log line is captured so tests can check what leaks.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, string dataDirectory, Uri baseAddress, CapturedLogs logs)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        Logs = logs;
    }

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public CapturedLogs Logs { get; }
    public IServiceProvider Services => _app.Services;
    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, StartupService.AdminTokenFile)).Trim();

    /// <summary>Mints a token with the server's own key (for expired-token tests).</summary>
    public string MintToken(string userId, TimeSpan lifetime) =>
        Services.GetRequiredService<EmbeddedTokenIssuer>().Mint(userId, "test-device", userId, isAdmin: false, lifetime).Token;

    /// <param name="overrides">Configuration keys to set or replace.</param>
    /// <param name="services">Extra services (test seams such as a lossy media path).</param>
    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        // The silo and gateway ports are picked free, then bound by Orleans (which cannot take port 0): another
        // process may take one in between. Such a start is retried with new ports, a few times.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(overrides, services);
            }
            catch (Exception e) when (attempt < StartAttempts && IsAddressInUse(e))
            {
                // the failed host is disposed by StartOnceAsync; the next attempt picks new ports
            }
        }
    }

    private const int StartAttempts = 5;

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
        }
        return false;
    }

    private static async Task<TestServer> StartOnceAsync(IDictionary<string, string?>? overrides, Action<IServiceCollection>? services)
    {
        string dataDirectory = Directory.CreateTempSubdirectory("conclave-test-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Conclave:DataDirectory"] = dataDirectory,
            ["Conclave:Listen:Http"] = "http://127.0.0.1:0",
            ["Conclave:Listen:Https"] = "",
            ["Conclave:Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Conclave:Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Conclave:Sessions:HeartbeatInterval"] = "00:00:01",
            ["Conclave:Sessions:Timeout"] = "00:00:06",
            ["Conclave:Media:NodeId"] = "test-node",
            ["Conclave:Media:Port"] = "0",
            ["Conclave:Media:BindAddress"] = "127.0.0.1",
            ["Conclave:Media:AnnouncedAddress"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Orleans"] = "Information",
        };
        foreach ((string key, string? value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;

        var logs = new CapturedLogs();
        WebApplication app = ConclaveHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            services?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, dataDirectory, new Uri(address), logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a background flush; the OS temp cleaner takes it.
        }
    }

    /// <summary>A port free at the time of asking, on loopback, below Linux's ephemeral range (32768–60999), so the
    /// outgoing connections of tests running beside this one cannot take it before it is bound.</summary>
    public static int FreePort()
    {
        while (true)
        {
            int port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // taken: try another
            }
        }
    }
}

/// <summary>Keeps every formatted log message and exception text.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}
