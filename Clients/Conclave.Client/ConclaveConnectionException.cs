using System.Net;
using System.Net.Http;

namespace Conclave.Client;

/// <summary>
/// The server could not be reached or the connection failed before an answer arrived: refused or reset
/// connections, name resolution, TLS failures (an untrusted certificate or a pin mismatch), timeouts, and
/// WebSocket upgrades the server did not accept. The original exception is <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class ConclaveConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConclaveConnectionException(Uri server, string message, Exception? innerException = null, HttpRequestError error = HttpRequestError.Unknown, HttpStatusCode? statusCode = null)
        : base(message, innerException)
    {
        Server = server;
        Error = error;
        StatusCode = statusCode;
    }

    /// <summary>The URL that was being reached.</summary>
    public Uri Server { get; }

    /// <summary>What failed, as far as the HTTP stack knows (<see cref="HttpRequestError.Unknown"/> for timeouts).</summary>
    public HttpRequestError Error { get; }

    /// <summary>For a WebSocket upgrade the server answered with something other than 101, that status.</summary>
    public HttpStatusCode? StatusCode { get; }
}
