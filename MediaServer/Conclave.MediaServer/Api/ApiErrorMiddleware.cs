using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Api;

/// <summary>
/// Turns unreadable requests (bad JSON, oversized bodies) into <see cref="ApiError"/> replies and any other
/// failure into a 500 <c>internal</c> that says nothing about the server's insides.
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            bool tooLarge = e.StatusCode == StatusCodes.Status413PayloadTooLarge;
            await ApiResults.Write(context, e.StatusCode,
                tooLarge ? ApiErrorCodes.TooLarge : ApiErrorCodes.BadRequest,
                tooLarge ? "the request body is too large" : "the request is malformed or its JSON body does not match the endpoint");
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogFailure(e, context.Request.Method, context.GetEndpoint()?.DisplayName);
            await ApiResults.Write(context, StatusCodes.Status500InternalServerError, "internal", "the server failed; try again");
        }
    }

    /// <summary>Gives an <see cref="ApiError"/> body to error statuses set without one (unknown route, body too large, ...).</summary>
    public static Task DescribeBareStatusAsync(HttpContext context)
    {
        int status = context.Response.StatusCode;
        (string code, string message) = status switch
        {
            StatusCodes.Status400BadRequest => (ApiErrorCodes.BadRequest, "the request is malformed"),
            StatusCodes.Status401Unauthorized => (ApiErrorCodes.Unauthorized, "a valid bearer token is required"),
            StatusCodes.Status403Forbidden => (ApiErrorCodes.Forbidden, "not allowed"),
            StatusCodes.Status404NotFound => (ApiErrorCodes.NotFound, "no such endpoint"),
            StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", "this endpoint does not take that method"),
            StatusCodes.Status413PayloadTooLarge => (ApiErrorCodes.TooLarge, "the request body is too large"),
            StatusCodes.Status415UnsupportedMediaType => (ApiErrorCodes.BadRequest, "send the body as application/json"),
            _ => ($"http-{status}", "the request failed"),
        };
        return ApiResults.Write(context, status, code, message);
    }

    // The endpoint's route pattern, not the raw path: paths may carry invitation codes.
    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Method} {Endpoint} failed")]
    private partial void LogFailure(Exception e, string method, string? endpoint);
}
