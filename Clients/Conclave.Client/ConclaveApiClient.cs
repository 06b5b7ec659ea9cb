using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Conclave.Client.Media;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Client;

/// <summary>
/// The Conclave HTTP API (docs/api.md) over an <see cref="HttpClient"/>. Every call either returns the answer's
/// DTO or throws:
/// <list type="bullet">
/// <item><see cref="ConclaveApiException"/> when the server answered with an error status (its code and message);</item>
/// <item><see cref="ConclaveConnectionException"/> when no answer came (refused, unresolvable, TLS failure, timeout);</item>
/// <item><see cref="OperationCanceledException"/> only when the caller's token was cancelled.</item>
/// </list>
/// Thread-safe; the bearer token, when given, is sent on every call except <see cref="RedeemInvitationAsync(Uri, CancellationToken)"/>.
/// </summary>
public sealed partial class ConclaveApiClient : IDisposable
{
    /// <summary>The largest response body read into memory when the client owns its <see cref="HttpClient"/>.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient _http; // Owned when _ownsHttp, else Borrowed
    private readonly bool _ownsHttp;
    private readonly string? _token;

    /// <summary>
    /// Wraps <paramref name="httpClient"/> (borrowed: not disposed here), whose <see cref="HttpClient.BaseAddress"/>
    /// is the server URL (it may carry a path prefix).
    /// </summary>
    /// <param name="httpClient">The client; its BaseAddress must be an absolute http(s) URL.</param>
    /// <param name="token">The bearer token (admin or device), or null for anonymous calls only.</param>
    public ConclaveApiClient(HttpClient httpClient, string? token = null)
        : this(httpClient, BaseOf(httpClient), token, ownsHttp: false)
    {
    }

    private ConclaveApiClient(HttpClient http, Uri server, string? token, bool ownsHttp)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        _token = string.IsNullOrEmpty(token) ? null : token;
        Server = server;
    }

    /// <summary>The server base URL, normalized with a trailing slash.</summary>
    public Uri Server { get; }

    /// <summary>Creates a client that owns its <see cref="HttpClient"/> (made by <see cref="CreateHttpClient"/>).</summary>
    /// <exception cref="ArgumentException">The server is not an absolute http(s) URL, or the pin is malformed.</exception>
    public static ConclaveApiClient Create(Uri server, string? token = null, ConclaveClientOptions? options = null)
    {
        HttpClient http = CreateHttpClient(server, options);
        return new ConclaveApiClient(http, ServerUri.NormalizeBase(server), token, ownsHttp: true);
    }

    /// <summary>
    /// An <see cref="HttpClient"/> for <paramref name="server"/> honouring <paramref name="options"/>: the certificate
    /// pin, connect and request timeouts, no automatic redirects, responses capped at <see cref="MaxResponseBytes"/>.
    /// Useful on its own for raw requests in tests. The caller owns it.
    /// </summary>
    public static HttpClient CreateHttpClient(Uri server, ConclaveClientOptions? options = null)
    {
        options ??= new ConclaveClientOptions();
        Uri normalized = ServerUri.NormalizeBase(server);
        System.Net.Security.RemoteCertificateValidationCallback? pinned = CertificatePin.CallbackFor(options);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            AllowAutoRedirect = false,                              // a redirected POST would lose its body and token
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (pinned is not null) handler.SslOptions.RemoteCertificateValidationCallback = pinned;
        return new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = normalized,
            Timeout = options.RequestTimeout,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    /// <summary><c>POST /api/admin/rooms</c>: creates a room (admin). 409 <c>room-exists</c>, 400 <c>bad-request</c>.</summary>
    public Task<RoomDto> CreateRoomAsync(CreateRoomRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Api("api/admin/rooms"), Json(request, ConclaveJsonContext.Default.CreateRoomRequest),
            ConclaveJsonContext.Default.RoomDto, authenticated: true, cancellationToken);

    /// <summary><c>GET /api/admin/rooms/{room}</c> (admin). 404 <c>room-not-found</c>.</summary>
    public Task<RoomDto> GetRoomAsync(string room, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api($"api/admin/rooms/{ServerUri.Segment(room)}"), content: null,
            ConclaveJsonContext.Default.RoomDto, authenticated: true, cancellationToken);

    /// <summary><c>POST /api/admin/rooms/{room}/invitations</c> (admin): a single-use invitation URL.</summary>
    public Task<InvitationDto> CreateInvitationAsync(string room, CreateInvitationRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Api($"api/admin/rooms/{ServerUri.Segment(room)}/invitations"),
            Json(request, ConclaveJsonContext.Default.CreateInvitationRequest),
            ConclaveJsonContext.Default.InvitationDto, authenticated: true, cancellationToken);

    /// <summary><c>POST /api/admin/rooms/{room}/members</c> (admin): admits a user id with a role.</summary>
    public Task<RoomDto> AddMemberAsync(string room, AddMemberRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Api($"api/admin/rooms/{ServerUri.Segment(room)}/members"),
            Json(request, ConclaveJsonContext.Default.AddMemberRequest),
            ConclaveJsonContext.Default.RoomDto, authenticated: true, cancellationToken);

    /// <summary><c>POST /api/admin/rooms/{room}/lock</c> or <c>/unlock</c> (admin).</summary>
    public Task<RoomDto> SetLockedAsync(string room, bool locked, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, Api($"api/admin/rooms/{ServerUri.Segment(room)}/{(locked ? "lock" : "unlock")}"), content: null,
            ConclaveJsonContext.Default.RoomDto, authenticated: true, cancellationToken);

    /// <summary>
    /// <c>POST /api/invitations/{code}/redeem</c> (anonymous) on the server named by the invitation URL
    /// (<c>&lt;server&gt;/join/&lt;code&gt;</c>; see <see cref="InvitationLink"/>), which may differ from <see cref="Server"/>.
    /// 404 <c>invitation-not-found</c>, 410 <c>invitation-used</c> / <c>invitation-expired</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The URL is not an invitation URL.</exception>
    public Task<RedeemResponse> RedeemInvitationAsync(Uri invitationUrl, CancellationToken cancellationToken = default)
    {
        if (!InvitationLink.TryParse(invitationUrl, out InvitationLink? link))
            throw new ArgumentException($"'{invitationUrl}' is not an invitation URL (<server>/join/<code>)", nameof(invitationUrl));
        return RedeemAsync(link.Server, link.Code, cancellationToken);
    }

    /// <summary><c>POST /api/invitations/{code}/redeem</c> (anonymous) on <see cref="Server"/>.</summary>
    public Task<RedeemResponse> RedeemInvitationAsync(string code, CancellationToken cancellationToken = default) =>
        RedeemAsync(Server, code, cancellationToken);

    /// <summary><c>GET /api/me</c>: who the bearer token says the caller is. 401 <c>unauthorized</c>.</summary>
    public Task<MeDto> GetMeAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api("api/me"), content: null, ConclaveJsonContext.Default.MeDto, authenticated: true, cancellationToken);

    /// <summary><c>PUT /api/me/device-keys</c>: registers the calling device's public keys (204).</summary>
    public async Task SetDeviceKeysAsync(DeviceKeysRequest request, CancellationToken cancellationToken = default)
    {
        Uri uri = Api("api/me/device-keys");
        using HttpResponseMessage response = await SendCoreAsync(HttpMethod.Put, uri,
            Json(request, ConclaveJsonContext.Default.DeviceKeysRequest), authenticated: true, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="SetDeviceKeysAsync"/> with the public halves of <paramref name="identity"/>: others can then
    /// check what this device signs (call membership, file keys) and wrap keys to it.</summary>
    public Task RegisterDeviceAsync(Conclave.E2ee.Identity.DeviceIdentity identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return SetDeviceKeysAsync(new DeviceKeysRequest(Conclave.E2ee.Identity.DevicePublicKeys.Of(identity).ToBytes()), cancellationToken);
    }

    /// <summary><c>POST /api/media/echo</c> with an SDP offer (<c>application/sdp</c>): the server's SDP answer and
    /// the session's location, to end it with <see cref="EndEchoAsync"/>. Errors: 400 <c>bad-sdp</c>,
    /// <c>no-common-codec</c>; 429 <c>too-many-sessions</c>; 503 <c>server-busy</c>.</summary>
    public async Task<EchoAnswer> CreateEchoAsync(string offerSdp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offerSdp);
        Uri uri = Api("api/media/echo");
        using var content = new StringContent(offerSdp, System.Text.Encoding.UTF8, "application/sdp");
        using HttpResponseMessage response = await SendCoreAsync(HttpMethod.Post, uri, content, authenticated: true, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        string answer = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        Uri location = response.Headers.Location is { } relative
            ? new Uri(Server, relative)
            : throw new ConclaveApiException(response.StatusCode, ConclaveApiException.InvalidResponseCode, "the echo answer has no Location");
        return new EchoAnswer(answer, location);
    }

    /// <summary><c>DELETE</c> on an echo session's location (204); 404 <c>not-found</c> if it already ended.</summary>
    public async Task EndEchoAsync(Uri location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        using HttpResponseMessage response = await SendCoreAsync(HttpMethod.Delete, location, content: null, authenticated: true, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the <see cref="HttpClient"/> when this client created it.</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    private Task<RedeemResponse> RedeemAsync(Uri server, string code, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, ServerUri.Api(server, $"api/invitations/{ServerUri.Segment(code)}/redeem"), content: null,
            ConclaveJsonContext.Default.RedeemResponse, authenticated: false, cancellationToken);

    private Uri Api(string relativePath) => ServerUri.Api(Server, relativePath);

    private static JsonContent Json<T>(T value, JsonTypeInfo<T> typeInfo) => JsonContent.Create(value, typeInfo);

    private async Task<T> SendAsync<T>(HttpMethod method, Uri uri, HttpContent? content, JsonTypeInfo<T> replyType, bool authenticated, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendCoreAsync(method, uri, content, authenticated, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);

        T? value;
        try
        {
            value = await response.Content.ReadFromJsonAsync(replyType, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new ConclaveApiException(response.StatusCode, ConclaveApiException.InvalidResponseCode,
                $"the server's answer to {method} {uri.AbsolutePath} is not a valid {typeof(T).Name}", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ConclaveConnectionException(uri, $"the connection to {Authority(uri)} failed while reading the answer: {e.Message}", e);
        }
        return value ?? throw new ConclaveApiException(response.StatusCode, ConclaveApiException.InvalidResponseCode,
            $"the server's answer to {method} {uri.AbsolutePath} is empty");
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, Uri uri, HttpContent? content, bool authenticated, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Accept.Add(JsonMediaType);
        if (authenticated && _token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        try
        {
            return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ConclaveConnectionException(uri, $"cannot reach {Authority(uri)}: {Describe(e)}", e, e.HttpRequestError);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConclaveConnectionException(uri, $"no answer from {Authority(uri)} within {_http.Timeout.TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>The <see cref="ConclaveApiException"/> an error answer stands for (its ApiError body, else its status).</summary>
    internal static async Task<ConclaveApiException> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        HttpStatusCode status = response.StatusCode;
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            body = [];
        }

        if (body.Length > 0)
        {
            try
            {
                if (JsonSerializer.Deserialize(body, ConclaveJsonContext.Default.ApiError) is { Code.Length: > 0 and <= 64 } error)
                    return new ConclaveApiException(status, error.Code, error.Message is { Length: > 0 } m ? m : Reason(response));
            }
            catch (JsonException)
            {
                // Not an ApiError (a proxy's page, plain text): fall through to the status.
            }
        }

        string message = response.Headers.Location is { } location && (int)status is >= 300 and < 400
            ? $"{Reason(response)}: the server redirects to {location}; use that URL as the server"
            : $"{Reason(response)} (the body is not a Conclave error{Snippet(body)})";
        return new ConclaveApiException(status, ConclaveApiException.FallbackCode(status), message);
    }

    private static string Reason(HttpResponseMessage response) =>
        $"HTTP {(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}";

    // A short printable excerpt of a non-JSON error body, to help with proxies and wrong URLs.
    private static string Snippet(byte[] body)
    {
        if (body.Length == 0) return string.Empty;
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 120));
        var builder = new StringBuilder(": ");
        foreach (char c in text) builder.Append(char.IsControl(c) ? ' ' : c);
        if (body.Length > 120) builder.Append('…');
        return builder.ToString();
    }

    /// <summary>A readable cause of a failed request.</summary>
    internal static string Describe(HttpRequestException e)
    {
        string what = e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "the host name does not resolve",
            HttpRequestError.ConnectionError => "the connection failed",
            HttpRequestError.SecureConnectionError => "the TLS handshake failed",
            HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel",
            HttpRequestError.InvalidResponse => "the answer is not valid HTTP",
            HttpRequestError.ResponseEnded => "the connection closed before the answer ended",
            _ => "the request failed",
        };
        Exception innermost = e;
        while (innermost.InnerException is { } inner) innermost = inner;
        return ReferenceEquals(innermost, e) ? what : $"{what} ({innermost.Message})";
    }

    internal static string Authority(Uri uri) => uri.GetLeftPart(UriPartial.Authority);

    private static Uri BaseOf(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return httpClient.BaseAddress is { } baseAddress
            ? ServerUri.NormalizeBase(baseAddress)
            : throw new ArgumentException("the HttpClient needs a BaseAddress (the server URL)", nameof(httpClient));
    }
}
