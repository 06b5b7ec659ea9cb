namespace Conclave.Client;

/// <summary>Builds the URLs of a Conclave server from its base URL (which may carry a path prefix behind a proxy).</summary>
internal static class ServerUri
{
    /// <summary>
    /// Checks that <paramref name="server"/> is an absolute http(s) URL and returns it with a trailing slash, so
    /// relative paths resolve under any prefix; query and fragment are dropped.
    /// </summary>
    public static Uri NormalizeBase(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"the server URL must be an absolute http:// or https:// URL, not '{server}'", nameof(server));
        string path = server.AbsolutePath.EndsWith('/') ? server.AbsolutePath : server.AbsolutePath + "/";
        return new UriBuilder(server.Scheme, server.Host, server.Port, path).Uri;
    }

    /// <summary>Resolves an API path (no leading slash) under the normalized base.</summary>
    public static Uri Api(Uri normalizedBase, string relativePath) => new(normalizedBase, relativePath);

    /// <summary>
    /// The signaling endpoint: <c>ws://</c>/<c>wss://</c> URLs are taken as the endpoint itself; <c>http://</c> and
    /// <c>https://</c> URLs are a server base, and the endpoint is <c>&lt;base&gt;/signal</c> with the scheme mapped.
    /// </summary>
    public static Uri Signal(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.IsAbsoluteUri && (server.Scheme == Uri.UriSchemeWs || server.Scheme == Uri.UriSchemeWss)) return server;
        Uri normalized = NormalizeBase(server);
        var builder = new UriBuilder(new Uri(normalized, "signal"))
        {
            Scheme = normalized.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
        };
        return builder.Uri;
    }

    /// <summary>A room name as one escaped path segment.</summary>
    public static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }
}
