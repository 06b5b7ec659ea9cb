using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Conclave.MediaServer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conclave.Bench;

/// <summary>
/// The real server (<see cref="ConclaveHost"/>: Kestrel, signaling, the API, the web client and the co-hosted Orleans
/// silo) in this process, with its embedded defaults but for a fresh data directory and loopback ports: HTTP on a free
/// port of 127.0.0.1, no HTTPS, free silo and gateway ports, media UDP on a free port of 127.0.0.1. Its log goes to
/// stderr from Warning up (what it prints with Console.Out goes nowhere: the tools replace it). Serves the web client
/// and the tool's wwwroot (the output's wwwroot). Shared by the load tools that start the server themselves (compiled
/// into each from bench/Shared/Server; they reference Conclave.MediaServer).
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    private const int StartAttempts = 5;
    private readonly WebApplication _app;

    private InProcessServer(WebApplication app, string dataDirectory, Uri baseAddress)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
    }

    public string DataDirectory { get; }
    public Uri BaseAddress { get; }
    public IServiceProvider Services => _app.Services;
    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, StartupService.AdminTokenFile)).Trim();

    public static Task<InProcessServer> StartAsync(CancellationToken cancellationToken) => StartAsync(null, null, cancellationToken);

    /// <param name="overrides">Configuration keys to set or replace (e.g. <c>Conclave:Files:Store</c>).</param>
    /// <param name="services">Extra services, registered before the host's own (e.g. an <c>IBlobStore</c> the
    /// host then uses instead of making one).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<InProcessServer> StartAsync(IReadOnlyDictionary<string, string?>? overrides, Action<IServiceCollection>? services,
        CancellationToken cancellationToken)
    {
        // Orleans cannot bind port 0: the silo and gateway ports are picked free, and another process may take one in
        // between; such a start is retried with new ports.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(overrides, services, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < StartAttempts && IsAddressInUse(e))
            {
                // the next attempt picks new ports
            }
        }
    }

    private static async Task<InProcessServer> StartOnceAsync(IReadOnlyDictionary<string, string?>? overrides, Action<IServiceCollection>? services,
        CancellationToken cancellationToken)
    {
        string dataDirectory = Directory.CreateTempSubdirectory("conclave-bench-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Conclave:DataDirectory"] = dataDirectory,
            ["Conclave:Listen:Http"] = "http://127.0.0.1:0",
            ["Conclave:Listen:Https"] = "",
            ["Conclave:Cluster:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Conclave:Cluster:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Conclave:Media:Port"] = "0",
            ["Conclave:Media:BindAddress"] = "127.0.0.1",
            ["Conclave:Media:AnnouncedAddress"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        foreach ((string key, string? value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        WebApplication app = ConclaveHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);   // stdout is the report's
            services?.Invoke(builder.Services);
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            DeleteQuietly(dataDirectory);
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessServer(app, dataDirectory, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        DeleteQuietly(DataDirectory);
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a background flush; the OS temp cleaner takes it
        }
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
        }
        return false;
    }

    /// <summary>A loopback port free when asked, below Linux's ephemeral range, so outgoing connections do not take it first.</summary>
    internal static int FreePort()
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
