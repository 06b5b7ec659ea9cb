using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Api;

/// <summary>Every API error is an <see cref="ApiError"/> body with a matching HTTP status.</summary>
public static class ApiResults
{
    /// <summary>An error result for minimal API handlers.</summary>
    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ApiError(code, message), ConclaveJsonContext.Default.ApiError, statusCode: status);

    public static IResult BadRequest(string message) => Error(StatusCodes.Status400BadRequest, ApiErrorCodes.BadRequest, message);

    public static IResult RoomNotFound(string room) => Error(StatusCodes.Status404NotFound, ApiErrorCodes.RoomNotFound, $"no room named '{room}'");

    /// <summary>Writes an error outside an endpoint (authentication, exception handler).</summary>
    public static Task Write(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(code, message), ConclaveJsonContext.Default.ApiError);
    }
}
