using System.CommandLine;
using System.Text.Json.Serialization.Metadata;
using Conclave.Client;

namespace Conclave.Cli;

/// <summary>
/// One command's view of its invocation: parsed values, output, and the resolution of server, token and
/// certificate pin (flag, then environment variable, then the saved login).
/// </summary>
internal sealed class CliContext(ParseResult parse, GlobalOptions globals, CliHost host)
{
    private ProfileStore? _profiles;

    public TextWriter Out => host.Out;
    public TextWriter Error => host.Error;
    public CliHost Host => host;

    /// <summary>True with <c>--json</c>.</summary>
    public bool Json => parse.GetValue(globals.Json);

    /// <summary>The profile directory for this environment.</summary>
    public ProfileStore Profiles => _profiles ??= ProfileStore.For(host);

    /// <summary>Extra advice printed under an <c>unauthorized</c> or <c>forbidden</c> answer.</summary>
    public string? UnauthorizedHint { get; set; }

    /// <summary>The certificate pin in effect, for advice on TLS failures.</summary>
    public string? PinInUse { get; set; }

    public T? Get<T>(Option<T> option) => parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => parse.GetValue(argument);

    /// <summary>The server from <c>--server</c> or <c>CONCLAVE_SERVER</c>, or null.</summary>
    /// <exception cref="CliException">It is not an http(s) URL.</exception>
    public Uri? ExplicitServer() =>
        parse.GetValue(globals.Server) is { Length: > 0 } flag ? ParseServer(flag, "--server")
        : host.Env(GlobalOptions.ServerVariable) is { } env ? ParseServer(env, GlobalOptions.ServerVariable)
        : null;

    /// <summary>The token from <c>--token</c> or <c>CONCLAVE_TOKEN</c>, or null.</summary>
    public string? ExplicitToken() =>
        parse.GetValue(globals.Token) is { Length: > 0 } flag ? flag.Trim() : host.Env(GlobalOptions.TokenVariable);

    /// <summary>The normalized pin from <c>--cert-sha256</c> or <c>CONCLAVE_CERT_SHA256</c>, or null.</summary>
    /// <exception cref="CliException">It is not a SHA-256 in hex.</exception>
    public string? ExplicitPin()
    {
        (string? text, string source) = parse.GetValue(globals.CertificateSha256) is { Length: > 0 } flag
            ? (flag, "--cert-sha256")
            : (host.Env(GlobalOptions.CertificateVariable), GlobalOptions.CertificateVariable);
        if (text is null) return null;
        return CertificatePin.TryNormalize(text, out string pin)
            ? pin
            : throw new CliException($"{source} must be the SHA-256 of the server certificate: 64 hex digits (colons allowed)");
    }

    /// <summary>The server for commands that may fall back to the saved login: flag, env, then profile.</summary>
    /// <exception cref="CliException">None is set.</exception>
    public Uri RequireServer(Func<Profile?> profile) =>
        ExplicitServer()
        ?? (profile() is { } saved ? ParseServer(saved.Server, $"the saved login's server ({Profiles.FilePath})") : null)
        ?? throw new CliException($"no server: pass --server URL, set {GlobalOptions.ServerVariable}, or run 'conclave login INVITATION_URL'");

    /// <summary>An API client for <paramref name="server"/>; the caller disposes it.</summary>
    public ConclaveApiClient CreateApiClient(Uri server, string? token, string? pin)
    {
        PinInUse = pin;
        return ConclaveApiClient.Create(server, token, new ConclaveClientOptions { PinnedCertificateSha256 = pin });
    }

    /// <summary>Prints <paramref name="value"/> as JSON on stdout.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo) => Output.WriteJson(Out, value, typeInfo);

    private static Uri ParseServer(string text, string source)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            throw new CliException($"{source} '{Output.Clean(text)}' is not an http:// or https:// URL");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new CliException($"{source} '{Output.Clean(text)}' must be a server URL without query or fragment");
        return uri;
    }
}
