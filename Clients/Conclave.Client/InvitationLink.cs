using System.Diagnostics.CodeAnalysis;

namespace Conclave.Client;

/// <summary>
/// A single-use invitation URL, <c>&lt;server&gt;/join/&lt;code&gt;</c>: the server base is everything before the
/// last <c>/join/</c>, and the code is the one path segment after it.
/// </summary>
/// <param name="Server">The server base URL, with a trailing slash.</param>
/// <param name="Code">The invitation code (unescaped).</param>
public sealed record InvitationLink(Uri Server, string Code)
{
    private const string JoinSegment = "/join/";

    /// <summary>Parses an invitation URL; false when it is not an http(s) URL of that shape.</summary>
    public static bool TryParse(Uri? url, [NotNullWhen(true)] out InvitationLink? link)
    {
        link = null;
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)) return false;

        string path = url.AbsolutePath;
        int at = path.LastIndexOf(JoinSegment, StringComparison.Ordinal);
        if (at < 0) return false;
        string code = path[(at + JoinSegment.Length)..].TrimEnd('/');
        if (code.Length == 0 || code.Contains('/')) return false;

        string prefix = path[..(at + 1)];                            // keeps the slash: "/" or "/prefix/"
        var server = new UriBuilder(url.Scheme, url.Host, url.Port, prefix).Uri;
        link = new InvitationLink(server, Uri.UnescapeDataString(code));
        return true;
    }

    /// <summary>Parses a string invitation URL; false when it is not one.</summary>
    public static bool TryParse(string? url, [NotNullWhen(true)] out InvitationLink? link)
    {
        link = null;
        return Uri.TryCreate(url?.Trim(), UriKind.Absolute, out Uri? uri) && TryParse(uri, out link);
    }

    /// <summary>Parses an invitation URL.</summary>
    /// <exception cref="FormatException">It is not <c>&lt;server&gt;/join/&lt;code&gt;</c>.</exception>
    public static InvitationLink Parse(Uri url) =>
        TryParse(url, out InvitationLink? link) ? link : throw new FormatException($"'{url}' is not an invitation URL (<server>/join/<code>)");
}
