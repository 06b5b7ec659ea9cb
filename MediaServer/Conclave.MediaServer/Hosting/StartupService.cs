using Conclave.Grains;
using Conclave.MediaServer.Identity;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Hosting;

/// <summary>
/// Runs once the silo is up: loads the cluster's signing key, hands out the admin credential on the
/// cluster's first start (printed once to standard output, never logged, and saved in the data directory),
/// then prints the URLs to open.
/// </summary>
public sealed partial class StartupService(
    IGrainFactory grains,
    SigningKeyStore keys,
    EmbeddedTokenIssuer issuer,
    IOptions<ConclaveOptions> options,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<StartupService> logger) : IHostedService
{
    /// <summary>The file, in the data directory, that keeps the admin credential.</summary>
    public const string AdminTokenFile = "admin-token";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ITokenIssuerGrain issuerGrain = grains.GetGrain<ITokenIssuerGrain>(ITokenIssuerGrain.Key);
        keys.Load(await issuerGrain.GetOrCreateSigningKeyAsync());

        string tokenPath = Path.Combine(options.Value.DataDirectory, AdminTokenFile);
        if (await issuerGrain.TryClaimAdminCredentialAsync())
        {
            (string token, DateTimeOffset expiresAt) = issuer.MintAdminToken();
            DataDirectory.WriteSecret(tokenPath, token + "\n");
            Console.Out.WriteLine($"Admin token: {token}");
            Console.Out.Flush();
            LogAdminCredentialCreated(tokenPath, expiresAt);
        }
        else if (File.Exists(tokenPath))
        {
            LogAdminCredentialStored(tokenPath);
        }
        else
        {
            LogAdminCredentialElsewhere();
        }

        lifetime.ApplicationStarted.Register(PrintUrls);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void PrintUrls()
    {
        ICollection<string> addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (string address in addresses) LogListening(address);
        string? open = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.FirstOrDefault();
        if (open is not null)
        {
            Console.Out.WriteLine($"Conclave is running. Open {open}/");
            Console.Out.Flush();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin credential created, saved to {Path}, valid until {ExpiresAt}")]
    private partial void LogAdminCredentialCreated(string path, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin credential is stored in {Path}")]
    private partial void LogAdminCredentialStored(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The admin credential was issued by another node of this cluster")]
    private partial void LogAdminCredentialElsewhere();

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Address}")]
    private partial void LogListening(string address);
}
