using System.Net;
using System.Net.Http.Headers;

namespace Conclave.Client.Files;

/// <summary>
/// A file's ciphertext from <c>GET /api/files/{id}/content</c>, read forward as one stream: when the connection breaks
/// mid-way, it asks again for the rest (<c>Range: bytes=&lt;position&gt;-</c>, RFC 9110 §14.2) and carries on, so its
/// reader (a decryptor) never sees the break. It gives up after <see cref="MaxConsecutiveFailures"/> failures in a row.
/// </summary>
public sealed class FileDownloadStream : Stream
{
    private readonly HttpClient _http;
    private readonly string _token;
    private readonly Uri _uri;
    private readonly TimeProvider _time;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private long _length;                                             // where this stream ends: the file's end, or less
    private long? _end;                                               // the end asked for, if any

    private FileDownloadStream(HttpClient http, string token, string fileId, TimeProvider time)
    {
        _http = http;
        _token = token;
        _uri = new Uri(http.BaseAddress!, $"api/files/{ServerUri.Segment(fileId)}/content");
        _time = time;
    }

    /// <summary>Failures in a row (no byte read in between) before a read fails.</summary>
    public int MaxConsecutiveFailures { get; init; } = 8;

    /// <summary>Starts the download of <paramref name="fileId"/> from byte <paramref name="offset"/>, to its end or for
    /// at most <paramref name="length"/> bytes.</summary>
    /// <param name="http">A client for the server (its BaseAddress), without a request timeout.</param>
    /// <exception cref="ConclaveApiException">Refused: 403 <c>forbidden</c>, 404 <c>file-not-found</c>, 409 <c>file-incomplete</c>.</exception>
    public static async Task<FileDownloadStream> OpenAsync(HttpClient http, string token, string fileId, long offset = 0, long? length = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        var stream = new FileDownloadStream(http, token, fileId, time ?? TimeProvider.System) { _position = offset, _end = offset + length };
        await stream.RequestAsync(cancellationToken).ConfigureAwait(false);
        return stream;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;

    /// <summary>The whole file's length in bytes, from the first answer.</summary>
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= _length) return 0;
        for (int failures = 0; ; )
        {
            try
            {
                _body ??= await RequestAsync(cancellationToken).ConfigureAwait(false);
                int read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0) throw new IOException($"the download ended at byte {_position} of {_length}");
                _position += read;
                return read;
            }
            catch (Exception e) when (e is IOException or HttpRequestException or ConclaveConnectionException && !cancellationToken.IsCancellationRequested)
            {
                CloseResponse();
                if (++failures >= MaxConsecutiveFailures)
                    throw new ConclaveConnectionException(_uri, $"the download broke off {failures} times in a row at byte {_position}: {e.Message}", e);
                await Task.Delay(TimeSpan.FromMilliseconds(250 << Math.Min(failures, 7)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>GET from <see cref="_position"/> on; the body stream.</summary>
    private async Task<Stream> RequestAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (_position > 0 || _end is not null) request.Headers.Range = new RangeHeaderValue(_position, _end - 1);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ConclaveConnectionException(_uri, $"cannot reach {ConclaveApiClient.Authority(_uri)}: {ConclaveApiClient.Describe(e)}", e, e.HttpRequestError);
        }
        bool whole = response.StatusCode == HttpStatusCode.OK && _position == 0 && _end is null;
        bool rest = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == _position;
        if (!whole && !rest)
        {
            using (response) throw await ConclaveApiClient.ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
        long fileLength = whole ? response.Content.Headers.ContentLength ?? 0 : response.Content.Headers.ContentRange!.Length ?? 0;
        _length = Math.Min(fileLength, _end ?? long.MaxValue);
        _response = response;
        _body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return _body;
    }

    private void CloseResponse()
    {
        _body?.Dispose();
        _body = null;
        _response?.Dispose();
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseResponse();
        base.Dispose(disposing);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
