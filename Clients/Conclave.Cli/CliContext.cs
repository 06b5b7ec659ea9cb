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

    /// <summary>
    /// The server, token and pin of a command acting as a user: the token from --token / CONCLAVE_TOKEN, else the
    /// saved login (whose token is only ever sent to its own server). <see cref="UnauthorizedHint"/> says which was
    /// refused. The profile is the saved login when its token is the one used.
    /// </summary>
    /// <exception cref="CliException">No server, no token, or the saved login is for another server.</exception>
    public (Uri Server, string Token, string? Pin, Profile? Profile) ResolveLogin()
    {
        string? explicitToken = ExplicitToken();
        Profile? profile = null;
        bool loaded = false;
        Profile? LoadProfile()
        {
            if (!loaded) { profile = Profiles.Load(); loaded = true; }
            return profile;
        }

        Uri server = RequireServer(LoadProfile);
        string? pin = ExplicitPin();
        if (explicitToken is not null)
        {
            UnauthorizedHint = $"the server refused the token from --token or {GlobalOptions.TokenVariable}";
            return (server, explicitToken, pin, null);
        }
        Profile saved = LoadProfile()
            ?? throw new CliException($"not logged in: run 'conclave login INVITATION_URL', or pass --token / set {GlobalOptions.TokenVariable}");
        // Never send the saved token anywhere but the server it was issued for.
        if (!SameServer(server, saved.Server))
            throw new CliException($"the saved login is for {Output.Clean(saved.Server)}, not {server}; pass --token or set {GlobalOptions.TokenVariable} for that server");
        UnauthorizedHint = saved.ExpiresAt <= DateTimeOffset.UtcNow
            ? $"the saved login expired at {Output.Time(saved.ExpiresAt)}; run 'conclave login' with a new invitation"
            : "the server no longer accepts the saved login; run 'conclave login' with a new invitation";
        return (server, saved.Token, pin ?? saved.CertSha256, saved);
    }

    // Same scheme, host, port and path prefix (trailing slashes aside).
    private static bool SameServer(Uri server, string saved) =>
        Uri.TryCreate(saved, UriKind.Absolute, out Uri? savedUri)
        && Uri.Compare(server, savedUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
        && string.Equals(server.AbsolutePath.TrimEnd('/'), savedUri.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);

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
