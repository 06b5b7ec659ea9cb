using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Client.Files;

/// <summary>
/// A tus 1.0.0 client for <c>/api/uploads</c> (docs/files.md): creates an upload, and sends the bytes from the
/// server's offset, asking for that offset again after any failure, so a dropped connection (or a restart, with the
/// upload's URL kept) loses nothing and sends nothing twice. The rest of the upload goes in one PATCH (at most
/// <see cref="PatchBytes"/>), and the offset to continue from is the one the server answers it with.
/// </summary>
public sealed class TusUploader
{
    public const string TusVersion = "1.0.0";

    private readonly HttpClient _http;
    private readonly string _token;
    private readonly TimeProvider _time;

    /// <param name="http">A client for the server (its BaseAddress), without a request timeout: bodies take long.</param>
    /// <param name="token">The device's bearer token.</param>
    /// <param name="time">The clock of the waits between attempts.</param>
    public TusUploader(HttpClient http, string token, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _http = http;
        _token = token;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The most bytes one PATCH carries: all that is left, unless set lower (then best a multiple of the
    /// server's block size, 8 MiB by default, so that its blocks stay whole).</summary>
    public long PatchBytes { get; init; } = long.MaxValue;

    /// <summary>Failures in a row (without any byte getting through) before giving up.</summary>
    public int MaxConsecutiveFailures { get; init; } = 8;

    /// <summary>The wait after the first failure; it doubles after each further one, up to 30 s.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Raised before each wait after a failure: the failure, and the attempt about to be made.</summary>
    public event Action<Exception, int>? Retrying;

    /// <summary><c>POST /api/uploads</c>: an upload of <paramref name="length"/> bytes for <paramref name="fileId"/>; its
    /// URL. With <paramref name="headLast"/> above 0 the bytes will come rotated, the file's first
    /// <paramref name="headLast"/> bytes last (docs/files.md, "Head last").</summary>
    /// <exception cref="ConclaveApiException">Refused: 409 <c>file-exists</c>, 413 <c>too-large</c> or <c>quota-exceeded</c>…</exception>
    public async Task<Uri> CreateAsync(string fileId, long length, long headLast, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Request(HttpMethod.Post, new Uri("api/uploads", UriKind.Relative));
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        string metadata = "id " + Base64(fileId);
        if (headLast > 0) metadata += ",head-last " + Base64(headLast.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", metadata);
        using HttpResponseMessage response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await ConclaveApiClient.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return response.Headers.Location is { } location
            ? new Uri(_http.BaseAddress!, location)
            : throw new ConclaveApiException(response.StatusCode, ConclaveApiException.InvalidResponseCode, "the upload's creation has no Location");
    }

    /// <summary><c>DELETE</c> on the upload (tus termination): the server drops its bytes and gives back its quota.
    /// While a request of ours that was cut is still being finished the upload is locked (423): it waits and asks again,
    /// up to <see cref="MaxConsecutiveFailures"/> times.</summary>
    /// <exception cref="ConclaveApiException">404 <c>file-not-found</c> (unknown or expired), 403, still locked…</exception>
    public async Task DeleteAsync(Uri upload, CancellationToken cancellationToken)
    {
        for (int failures = 1; ; failures++)
        {
            using HttpRequestMessage request = Request(HttpMethod.Delete, upload);
            using HttpResponseMessage response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return;
            if (response.StatusCode != HttpStatusCode.Locked || failures >= MaxConsecutiveFailures)
                throw await ConclaveApiClient.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            await Task.Delay(RetryDelay(failures), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>HEAD</c> on the upload: how many bytes the server holds.</summary>
    /// <exception cref="ConclaveApiException">404 <c>file-not-found</c> (unknown or expired), 403…</exception>
    public async Task<long> GetOffsetAsync(Uri upload, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Request(HttpMethod.Head, upload);
        using HttpResponseMessage response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ConclaveApiClient.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return OffsetOf(response);
    }

    /// <summary>
    /// Sends bytes <c>[offset, length)</c> of the upload, from whatever offset the server reports, until it holds all
    /// <paramref name="length"/>. <paramref name="openAt"/> gives the bytes from an offset (a new stream each time,
    /// disposed here). <paramref name="progress"/> gets the number of bytes the server holds or has been sent.
    /// </summary>
    /// <exception cref="ConclaveApiException">The server refused the upload (a 4xx other than a conflict of offsets).</exception>
    /// <exception cref="ConclaveConnectionException">The server could not be reached <see cref="MaxConsecutiveFailures"/> times in a row.</exception>
    /// <exception cref="InvalidOperationException">A stream from <paramref name="openAt"/> failed to read.</exception>
    public async Task UploadAsync(Uri upload, long length, Func<long, Stream> openAt, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openAt);
        int failures = 0;
        long? known = null;                                           // the offset the last PATCH answered with
        while (true)
        {
            try
            {
                long offset = known ?? await GetOffsetAsync(upload, cancellationToken).ConfigureAwait(false);
                progress?.Report(offset);
                if (offset >= length) return;
                long count = Math.Min(PatchBytes, length - offset);
                long after = await PatchAsync(upload, offset, count, openAt, progress, cancellationToken).ConfigureAwait(false);
                known = after;
                if (after > offset) failures = 0;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                known = null;                                         // ask the server where it stands
                failures++;
                if (failures >= MaxConsecutiveFailures)
                {
                    if (e is ConclaveApiException or ConclaveConnectionException) throw;
                    throw new ConclaveConnectionException(upload, $"the upload failed {failures} times in a row: {e.Message}", e);
                }
                Retrying?.Invoke(e, failures + 1);
                await Task.Delay(RetryDelay(failures), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One PATCH of <paramref name="count"/> bytes at <paramref name="offset"/>; the offset the server reports after it.</summary>
    private async Task<long> PatchAsync(Uri upload, long offset, long count, Func<long, Stream> openAt, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await using Stream source = openAt(offset);
        using HttpRequestMessage request = Request(HttpMethod.Patch, upload);
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        var body = new ProgressStream(source, count, sent => progress?.Report(offset + sent));
        var content = new StreamContent(body, 1024 * 1024);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        content.Headers.ContentLength = count;
        request.Content = content;
        HttpResponseMessage sent;
        try
        {
            sent = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (body.Failure is { } failure && e is not OperationCanceledException)
        {
            // The bytes to send could not be read (the file changed, or cannot be read): no retry helps.
            throw new InvalidOperationException($"the upload's bytes could not be read: {failure.Message}", failure);
        }
        using HttpResponseMessage response = sent;
        if (response.StatusCode != HttpStatusCode.NoContent) throw await ConclaveApiClient.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return OffsetOf(response);
    }

    /// <summary>The wait after the <paramref name="failures"/>th failure in a row: <see cref="FirstRetryDelay"/>, doubled
    /// each time, at most 30 s.</summary>
    private TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks << Math.Min(failures - 1, 16), TimeSpan.FromSeconds(30).Ticks));

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("Tus-Resumable", TusVersion);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Uri uri = request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(_http.BaseAddress!, request.RequestUri);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ConclaveConnectionException(uri, $"cannot reach {ConclaveApiClient.Authority(uri)}: {ConclaveApiClient.Describe(e)}", e, e.HttpRequestError);
        }
    }

    /// <summary>Worth another attempt: the connection failed, or the server answered a conflict of offsets, a lock
    /// (another request of ours is still being finished), or a server error.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        ConclaveConnectionException or IOException or TaskCanceledException => true,
        ConclaveApiException api => api.StatusCode is HttpStatusCode.Conflict && api.Code == ApiErrorCodes.OffsetMismatch
            || api.StatusCode is HttpStatusCode.Locked || (int)api.StatusCode >= 500,
        _ => false,
    };

    private static long OffsetOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Upload-Offset", out IEnumerable<string>? values)
        && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) && offset >= 0
            ? offset
            : throw new ConclaveApiException(response.StatusCode, ConclaveApiException.InvalidResponseCode, "the answer has no valid Upload-Offset");

    private static string Base64(string value) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value));
}
