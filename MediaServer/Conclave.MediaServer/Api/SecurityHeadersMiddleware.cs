namespace Conclave.MediaServer.Api;

/// <summary>
/// Headers on every response: no referrer (join URLs carry invitation codes), no sniffing, no framing,
/// and a content security policy that lets the web client load only from this server.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; " +
        "style-src 'self'; script-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public Task InvokeAsync(HttpContext context)
    {
        IHeaderDictionary headers = context.Response.Headers;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/join"))
            headers.CacheControl = "no-store";
        return next(context);
    }
}
