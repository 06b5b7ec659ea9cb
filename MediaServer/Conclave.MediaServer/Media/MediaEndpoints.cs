using System.Text;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Media;

/// <summary>The media self-test, shaped like WHIP (RFC 9725 §4.2): <c>POST /api/media/echo</c> with an SDP offer
/// (<c>application/sdp</c>) answers <c>201 Created</c> with the SDP answer and a <c>Location</c>;
/// <c>DELETE</c> on that location ends the session. Both need a bearer token.</summary>
public static class MediaEndpoints
{
    /// <summary>The SDP media type (RFC 8866 §8.1).</summary>
    public const string SdpContentType = "application/sdp";

    /// <summary>Largest offer accepted: Chromium's offers with every codec are about 6 KiB.</summary>
    public const int MaxOfferBytes = 64 * 1024;

    /// <summary>Maps <c>/api/media/echo</c>.</summary>
    public static void MapMediaApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder echo = app.MapGroup("/api/media/echo").RequireAuthorization();
        echo.MapPost("", CreateEchoAsync);
        echo.MapDelete("/{id}", (string id, HttpContext context, EchoSessions sessions) =>
            sessions.End(AuthenticatedUser.FromPrincipal(context.User).UserId, id)
                ? Results.NoContent()
                : ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.NotFound, "no such echo session"));
    }

    private static async Task<IResult> CreateEchoAsync(HttpContext context, EchoSessions sessions)
    {
        if (!sessions.Enabled)
            return ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.Disabled, "the echo endpoint is disabled on this server (Conclave:Media:Echo:Enabled)");
        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), SdpContentType, StringComparison.OrdinalIgnoreCase))
            return ApiResults.Error(StatusCodes.Status415UnsupportedMediaType, ApiErrorCodes.UnsupportedMediaType, "send the offer as application/sdp");
        string? offer = await ReadBodyAsync(context.Request, context.RequestAborted);
        if (offer is null)
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.TooLarge, $"the offer is larger than {MaxOfferBytes} bytes");

        EchoOfferResult result = sessions.Create(AuthenticatedUser.FromPrincipal(context.User).UserId, offer);
        if (result.Session is null) return ApiResults.Error(result.Status, result.ErrorCode!, result.ErrorMessage!);
        context.Response.Headers.Location = "/api/media/echo/" + result.Session.Id;
        return Results.Text(result.AnswerSdp!, SdpContentType, Encoding.UTF8, StatusCodes.Status201Created);
    }

    /// <summary>The body as UTF-8, or null when it exceeds <see cref="MaxOfferBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxOfferBytes) return null;
        byte[] buffer = new byte[MaxOfferBytes + 1];
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0) break;
            total += read;
        }
        return total > MaxOfferBytes ? null : Encoding.UTF8.GetString(buffer, 0, total);
    }
}
