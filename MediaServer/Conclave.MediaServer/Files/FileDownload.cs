using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Net.Http.Headers;

namespace Conclave.MediaServer.Files;

/// <summary>
/// <c>GET /api/files/{id}/content</c>: the file's ciphertext, streamed from the blob store, whole or one byte range
/// (RFC 9110 §14). Owner and recipients only (403 for anyone else, 404 for unknown ids, 409 while the upload is not
/// complete); each download is written to the file's audit log first.
/// </summary>
public static class FileDownload
{
    /// <summary>Longest <c>Range</c> header kept in the audit log.</summary>
    private const int MaxLoggedRange = 100;

    public static async Task<IResult> GetAsync(string id, HttpContext context, IGrainFactory grains, IBlobStore store)
    {
        if (!BlobNames.IsValid(id)) return TusEndpoints.Refusal(new FileResult(FileStatus.NotFound));
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        string? range = context.Request.Headers.Range.ToString() is { Length: > 0 } r ? r[..Math.Min(r.Length, MaxLoggedRange)] : null;
        FileResult authorized = await grains.GetGrain<IFileGrain>(id).AuthorizeDownloadAsync(userId, range);
        if (authorized.File is not { } file) return TusEndpoints.Refusal(authorized);

        HttpResponse response = context.Response;
        string etag = $"\"{id}\"";                                    // a committed file never changes
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/octet-stream";
        long length = file.Length;
        long start = 0, count = length;
        if (SingleRange(context.Request, etag) is { } requested)
        {
            // RFC 9110 §14.1.2: a first position past the end is unsatisfiable; a last position past it is clamped.
            (long? from, long? to) = (requested.From, requested.To);
            if (from is { } f)
            {
                if (f >= length)
                {
                    response.Headers.ContentRange = $"bytes */{length}";
                    return ApiResults.Error(StatusCodes.Status416RangeNotSatisfiable, ApiErrorCodes.RangeNotSatisfiable, $"the file has {length} bytes");
                }
                start = f;
                count = Math.Min(to ?? long.MaxValue, length - 1) - f + 1;
                if (count <= 0) return ApiResults.BadRequest("the range ends before it starts");
            }
            else
            {
                // A suffix range: the last `to` bytes.
                count = Math.Min(to!.Value, length);
                start = length - count;
                if (count == 0)
                {
                    response.Headers.ContentRange = $"bytes */{length}";
                    return ApiResults.Error(StatusCodes.Status416RangeNotSatisfiable, ApiErrorCodes.RangeNotSatisfiable, "an empty suffix range");
                }
            }
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{start + count - 1}/{length}";
        }
        response.ContentLength = count;
        if (count > 0)
        {
            await using Stream blob = await store.OpenReadAsync(id, start, count, context.RequestAborted);
            await blob.CopyToAsync(response.Body, 1024 * 1024, context.RequestAborted);
        }
        return Results.Empty;
    }

    /// <summary>The one range asked for, or null for the whole file: no <c>Range</c>, a malformed one, several ranges
    /// (served whole, as RFC 9110 §14.2 allows), or an <c>If-Range</c> that does not match.</summary>
    private static RangeItemHeaderValue? SingleRange(HttpRequest request, string etag)
    {
        if (!RangeHeaderValue.TryParse(request.Headers.Range.ToString(), out RangeHeaderValue? header)) return null;
        if (!string.Equals(header.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase) || header.Ranges.Count != 1) return null;
        if (request.Headers.IfRange.ToString() is { Length: > 0 } ifRange && ifRange != etag) return null;
        return header.Ranges.Single();
    }
}
