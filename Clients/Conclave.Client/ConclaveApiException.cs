using System.Globalization;
using System.Net;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Client;

/// <summary>
/// The server answered an API call with an error: the HTTP status, the <see cref="ApiError"/> code (one of
/// <see cref="ApiErrorCodes"/>) and its message. When the body was not an <see cref="ApiError"/> (a proxy's page,
/// an empty body) the code is <c>http-&lt;status&gt;</c>; when a success answer could not be read it is
/// <see cref="InvalidResponseCode"/>.
/// </summary>
public sealed class ConclaveApiException : Exception
{
    /// <summary>The code used when a success response had no readable body of the expected shape.</summary>
    public const string InvalidResponseCode = "invalid-response";

    /// <summary>Creates the exception; <paramref name="message"/> becomes <see cref="Exception.Message"/>.</summary>
    public ConclaveApiException(HttpStatusCode statusCode, string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Code = code;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The stable error code: an <see cref="ApiErrorCodes"/> value, <c>http-&lt;status&gt;</c> or <see cref="InvalidResponseCode"/>.</summary>
    public string Code { get; }

    /// <summary>The code used for <paramref name="statusCode"/> when the body carried none.</summary>
    public static string FallbackCode(HttpStatusCode statusCode) =>
        string.Create(CultureInfo.InvariantCulture, $"http-{(int)statusCode}");
}
