using System.Net.Http.Headers;
using System.Text;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>Raw tus 1.0.0 requests, written out here (not through the client library) so the tests pin the wire.</summary>
internal sealed class TusRequests(Uri server, string token) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };

    public HttpClient Http => _http;

    public string Token => token;

    public HttpRequestMessage Request(HttpMethod method, string path, bool tus = true, bool auth = true)
    {
        var request = new HttpRequestMessage(method, path);
        if (tus) request.Headers.Add("Tus-Resumable", "1.0.0");
        if (auth) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    /// <summary>POST /api/uploads with Upload-Length and the file id as metadata; the body (creation-with-upload) if given.</summary>
    public async Task<HttpResponseMessage> CreateAsync(long length, string? fileId = null, byte[]? body = null, string? metadata = null)
    {
        HttpRequestMessage request = Request(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? meta = metadata ?? (fileId is null ? null : $"id {Convert.ToBase64String(Encoding.UTF8.GetBytes(fileId))}");
        if (meta is not null) request.Headers.Add("Upload-Metadata", meta);
        if (body is not null) request.Content = OffsetContent(body);
        return await _http.SendAsync(request, Deadline.Token);
    }

    public async Task<HttpResponseMessage> HeadAsync(string fileId) =>
        await _http.SendAsync(Request(HttpMethod.Head, $"/api/uploads/{fileId}"), Deadline.Token);

    public async Task<HttpResponseMessage> PatchAsync(string fileId, long offset, byte[] body, string? checksum = null, string contentType = "application/offset+octet-stream")
    {
        HttpRequestMessage request = Request(HttpMethod.Patch, $"/api/uploads/{fileId}");
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (checksum is not null) request.Headers.Add("Upload-Checksum", checksum);
        request.Content = OffsetContent(body, contentType);
        return await _http.SendAsync(request, Deadline.Token);
    }

    public async Task<HttpResponseMessage> DeleteAsync(string fileId) =>
        await _http.SendAsync(Request(HttpMethod.Delete, $"/api/uploads/{fileId}"), Deadline.Token);

    /// <summary>Creates and uploads <paramref name="data"/> whole; returns the file id.</summary>
    public async Task<string> UploadAsync(byte[] data, string? fileId = null)
    {
        fileId ??= NewFileId();
        using HttpResponseMessage created = await CreateAsync(data.Length, fileId, data);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        return fileId;
    }

    /// <summary>GET /api/files/{id}/content, with a Range header if given.</summary>
    public async Task<HttpResponseMessage> DownloadAsync(string fileId, string? range = null)
    {
        HttpRequestMessage request = Request(HttpMethod.Get, $"/api/files/{fileId}/content", tus: false);
        if (range is not null) request.Headers.TryAddWithoutValidation("Range", range);
        return await _http.SendAsync(request, Deadline.Token);
    }

    public static string NewFileId() => Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static long Offset(HttpResponseMessage response) =>
        long.Parse(response.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);

    private static ByteArrayContent OffsetContent(byte[] body, string contentType = "application/offset+octet-stream")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Resumes as a tus client does after a cut: asks for the offset and sends the rest of <paramref name="upload"/> from
    /// there. While the cut request is still being finished the upload is locked (423) or the offset moves (409), or the
    /// PATCH is refused before its body was read (the connection closes): it asks again. The offset it resumed from.
    /// </summary>
    public async Task<long> ResumeAsync(string fileId, byte[] upload)
    {
        while (true)
        {
            long offset;
            using (HttpResponseMessage head = await HeadAsync(fileId)) offset = Offset(head);
            System.Net.HttpStatusCode status;
            try
            {
                using HttpResponseMessage rest = await PatchAsync(fileId, offset, upload[(int)offset..]);
                status = rest.StatusCode;
            }
            catch (HttpRequestException)
            {
                status = System.Net.HttpStatusCode.Locked;             // refused before its body was read: the connection closed
            }
            if (status == System.Net.HttpStatusCode.NoContent) return offset;
            if (status is not (System.Net.HttpStatusCode.Locked or System.Net.HttpStatusCode.Conflict))
                throw new Xunit.Sdk.XunitException($"the resumed PATCH got {status}");
            await Task.Delay(50, Deadline.Token);
        }
    }
}
