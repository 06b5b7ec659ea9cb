using System.CommandLine;

namespace Conclave.Cli;

/// <summary>The options every command accepts (recursive from the root).</summary>
internal sealed class GlobalOptions
{
    public const string ServerVariable = "CONCLAVE_SERVER";
    public const string TokenVariable = "CONCLAVE_TOKEN";
    public const string CertificateVariable = "CONCLAVE_CERT_SHA256";

    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"Server URL, e.g. https://conclave.example.org [env {ServerVariable}; default: the saved login's server]",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Bearer token (admin token for admin commands; whoami defaults to the saved login). Prefer the env variable: command lines are visible to other users [env {TokenVariable}]",
        HelpName = "TOKEN",
        Recursive = true,
    };

    public Option<string?> CertificateSha256 { get; } = new("--cert-sha256")
    {
        Description = $"Accept only the server certificate with this SHA-256 (hex), for self-signed HTTPS [env {CertificateVariable}]",
        HelpName = "HEX",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the result as JSON on stdout (machine-readable)",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Add(Server);
        root.Add(Token);
        root.Add(CertificateSha256);
        root.Add(Json);
    }
}
