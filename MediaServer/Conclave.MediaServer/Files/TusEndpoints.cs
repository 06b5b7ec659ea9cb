using System.Security.Cryptography;
using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Hosting;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol.Api;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Files;

/// <summary>
/// Encrypted file uploads over tus 1.0.0 (https://tus.io/protocols/resumable-upload) at <c>/api/uploads</c>
/// (docs/files.md): OPTIONS (discovery), POST (creation, creation-with-upload), HEAD (the offset to resume from),
/// PATCH (append) and DELETE (termination). Every request but OPTIONS needs a bearer token, and only the owner may
/// touch an upload. Errors carry an <see cref="ApiError"/> body beside their tus status.
/// </summary>
public static class TusEndpoints
{
    public const string Path = "/api/uploads";

    /// <summary>Maps the tus endpoints.</summary>
    public static void MapUploads(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder uploads = app.MapGroup(Path).AddEndpointFilter(RequireTusVersionAsync);
        uploads.MapMethods("", [HttpMethods.Options], Discover).AllowAnonymous();
        uploads.MapMethods("/{id}", [HttpMethods.Options], Discover).AllowAnonymous();
        uploads.MapPost("", CreateAsync);
        uploads.MapMethods("/{id}", [HttpMethods.Head], HeadAsync);
        uploads.MapPatch("/{id}", PatchAsync);
        uploads.MapDelete("/{id}", TerminateAsync);
    }

    /// <summary>tus core: every response says <c>Tus-Resumable</c>; every request but OPTIONS must name version 1.0.0
    /// (412 Precondition Failed otherwise, with the versions served).</summary>
    private static async ValueTask<object?> RequireTusVersionAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        HttpContext context = invocation.HttpContext;
        context.Response.Headers[TusProtocol.TusResumable] = TusProtocol.Version;
        if (!HttpMethods.IsOptions(context.Request.Method) && context.Request.Headers[TusProtocol.TusResumable] != TusProtocol.Version)
        {
            context.Response.Headers[TusProtocol.TusVersion] = TusProtocol.Version;
            return ApiResults.Error(StatusCodes.Status412PreconditionFailed, ApiErrorCodes.UnsupportedTusVersion,
                $"send Tus-Resumable: {TusProtocol.Version}");
        }
        return await next(invocation);
    }

    private static IResult Discover(HttpContext context, IOptions<ConclaveOptions> options)
    {
        IHeaderDictionary headers = context.Response.Headers;
        headers[TusProtocol.TusVersion] = TusProtocol.Version;
        headers[TusProtocol.TusExtension] = TusProtocol.Extensions;
        headers[TusProtocol.TusMaxSize] = options.Value.Files.MaxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers[TusProtocol.TusChecksumAlgorithm] = TusProtocol.ChecksumAlgorithms;
        return Results.NoContent();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, Uploads uploads, UploadReceiver receiver, FileLocks locks,
        IOptions<ConclaveOptions> options, IGrainFactory grains)
    {
        HttpRequest request = context.Request;
        if (request.Headers.ContainsKey(TusProtocol.UploadDeferLength))
            return ApiResults.BadRequest("Upload-Length is required: Conclave does not serve creation-defer-length");
        if (!TusProtocol.TryParseLength(request.Headers[TusProtocol.UploadLength], out long length))
            return ApiResults.BadRequest("Upload-Length must be a non-negative integer");
        if (length == 0) return ApiResults.BadRequest("Upload-Length is 0: an encrypted file is never empty (docs/file-format.md)");
        if (length > options.Value.Files.MaxFileSize)
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.TooLarge, $"files are limited to {options.Value.Files.MaxFileSize} bytes");
        Dictionary<string, string>? metadata = TusProtocol.TryParseMetadata(request.Headers[TusProtocol.UploadMetadata]);
        if (metadata is null) return ApiResults.BadRequest("Upload-Metadata is malformed");
        if (metadata.Keys.FirstOrDefault(k => k is not (TusProtocol.IdKey or TusProtocol.HeadLastKey)) is { } other)
            return ApiResults.BadRequest($"Upload-Metadata '{other}' is not accepted: the server would keep it in clear; names belong in the encrypted manifest");
        long headLast = 0;
        if (metadata.TryGetValue(TusProtocol.HeadLastKey, out string? head) && (!TusProtocol.TryParseLength(head, out headLast) || headLast < 1 || headLast >= length))
            return ApiResults.BadRequest($"Upload-Metadata '{TusProtocol.HeadLastKey}' must be a whole number of bytes from 1 to Upload-Length - 1");
        string fileId = metadata.GetValueOrDefault(TusProtocol.IdKey) ?? Secrets.NewId();
        if (!BlobNames.IsValid(fileId)) return ApiResults.BadRequest("the file id must be 1-64 characters of A-Z a-z 0-9 - _");
        bool withUpload = IsOffsetStream(request);
        if (withUpload && request.ContentLength > length)
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.TooLarge, "the body is longer than Upload-Length");

        AuthenticatedUser user = AuthenticatedUser.FromPrincipal(context.User);
        using IDisposable? held = locks.TryEnter(fileId);
        if (held is null) return Busy();
        FileResult created = await uploads.CreateAsync(fileId, user.UserId, length, headLast);
        switch (created.Status)
        {
            case FileStatus.Ok:
                break;
            case FileStatus.AlreadyExists:
                return ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.FileExists, "a file with this id exists");
            case FileStatus.QuotaExceeded:
                return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.QuotaExceeded,
                    $"this upload would take your files beyond your quota of {options.Value.Files.UserQuota} bytes ({created.Detail})");
            default:
                return Refusal(created);
        }

        FileView view = created.File!;
        context.Response.Headers.Location = $"{Path}/{fileId}";
        if (withUpload)
        {
            (IResult? failure, view) = await AppendAsync(context, user.UserId, view, uploads, receiver, grains);
            if (failure is not null) return failure;
        }
        view = await uploads.CompleteIfDueAsync(view, user.UserId, context.RequestAborted);
        DescribeUpload(context.Response.Headers, view, withOffset: withUpload);
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static async Task<IResult> HeadAsync(string id, HttpContext context, Uploads uploads, FileLocks locks, IGrainFactory grains)
    {
        context.Response.Headers.CacheControl = "no-store";
        (IResult? failure, FileView? view) = await OwnedUploadAsync(id, context, grains);
        if (failure is not null) return failure;
        // Every byte is in but no request committed them (a server stopped in between): commit now, unless a request
        // holding the upload is about to.
        using (IDisposable? held = view!.Offset == view.Length && !view.Complete ? locks.TryEnter(id) : null)
        {
            if (held is not null) view = await uploads.CompleteIfDueAsync(view, AuthenticatedUser.FromPrincipal(context.User).UserId, context.RequestAborted);
        }
        DescribeUpload(context.Response.Headers, view, withOffset: true);
        context.Response.Headers[TusProtocol.UploadLength] = view.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok();
    }

    private static async Task<IResult> PatchAsync(string id, HttpContext context, Uploads uploads, UploadReceiver receiver, FileLocks locks, IGrainFactory grains)
    {
        if (!IsOffsetStream(context.Request))
            return ApiResults.Error(StatusCodes.Status415UnsupportedMediaType, ApiErrorCodes.UnsupportedMediaType, $"send the body as {TusProtocol.OffsetContentType}");
        if (!TusProtocol.TryParseLength(context.Request.Headers[TusProtocol.UploadOffset], out long offset))
            return ApiResults.BadRequest("Upload-Offset must be a non-negative integer");
        if (!BlobNames.IsValid(id)) return NotFound();
        using IDisposable? held = locks.TryEnter(id);
        if (held is null) return Busy();
        (IResult? failure, FileView? view) = await OwnedUploadAsync(id, context, grains);
        if (failure is not null) return failure;
        if (offset != view!.Offset)
        {
            context.Response.Headers[TusProtocol.UploadOffset] = view.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.OffsetMismatch, $"the upload is at offset {view.Offset}, not {offset}");
        }
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        if (!view.Complete && view.Offset < view.Length)
        {
            (failure, view) = await AppendAsync(context, userId, view, uploads, receiver, grains);
            if (failure is not null) return failure;
        }
        view = await uploads.CompleteIfDueAsync(view, userId, context.RequestAborted);
        DescribeUpload(context.Response.Headers, view, withOffset: true);
        return Results.NoContent();
    }

    private static async Task<IResult> TerminateAsync(string id, HttpContext context, Uploads uploads, FileLocks locks)
    {
        if (!BlobNames.IsValid(id)) return NotFound();
        using IDisposable? held = locks.TryEnter(id);
        if (held is null) return Busy();
        FileResult deleted = await uploads.DeleteAsync(id, AuthenticatedUser.FromPrincipal(context.User).UserId, context.RequestAborted);
        return deleted.Status == FileStatus.Ok ? Results.NoContent() : Refusal(deleted);
    }

    /// <summary>Receives the request body at the upload's offset; the failure to send, or the upload afterwards.</summary>
    private static async Task<(IResult? Failure, FileView View)> AppendAsync(HttpContext context, string userId, FileView view,
        Uploads uploads, UploadReceiver receiver, IGrainFactory grains)
    {
        HttpRequest request = context.Request;
        long remaining = view.Length - view.Offset;
        if (request.ContentLength > remaining)
            return (ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.TooLarge, "the body goes beyond Upload-Length"), view);
        (HashAlgorithmName, byte[])? checksum = null;
        if (request.Headers[TusProtocol.UploadChecksum].ToString() is { Length: > 0 } header)
        {
            if (!TusProtocol.TryParseChecksum(header, out HashAlgorithmName algorithm, out byte[] digest))
                return (ApiResults.BadRequest($"Upload-Checksum must be one of {TusProtocol.ChecksumAlgorithms} and a base64 digest"), view);
            checksum = (algorithm, digest);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = remaining;

        ReceiveOutcome outcome = await receiver.ReceiveAsync(view.FileId, userId, view.Offset, view.Length - view.HeadLast, request.Body,
            checksum, context.RequestAborted);
        FileResult current = await grains.GetGrain<IFileGrain>(view.FileId).GetAsync(userId);
        if (current.File is null) return (Refusal(current), view);
        return outcome.Status switch
        {
            ReceiveStatus.ChecksumMismatch => (ApiResults.Error(TusProtocol.ChecksumMismatch, ApiErrorCodes.ChecksumMismatch,
                "the body does not match Upload-Checksum; nothing of it was kept"), current.File),
            ReceiveStatus.Refused => (Refusal(outcome.Refusal!), current.File),
            _ => (null, current.File),
        };
    }

    /// <summary>The upload <paramref name="id"/> if the caller owns it; 404 for unknown ids, 403 for other people's.</summary>
    private static async Task<(IResult? Failure, FileView? View)> OwnedUploadAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (!BlobNames.IsValid(id)) return (NotFound(), null);
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        FileResult result = await grains.GetGrain<IFileGrain>(id).GetAsync(userId);
        if (result.Status != FileStatus.Ok) return (Refusal(result), null);
        if (result.File!.OwnerUserId != userId)
            return (ApiResults.Error(StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "only the owner of an upload may see or change it"), null);
        return (null, result.File);
    }

    private static void DescribeUpload(IHeaderDictionary headers, FileView view, bool withOffset)
    {
        if (withOffset) headers[TusProtocol.UploadOffset] = view.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!view.Complete) headers[TusProtocol.UploadExpires] = TusProtocol.FormatExpires(view.Expires);
    }

    private static bool IsOffsetStream(HttpRequest request) =>
        string.Equals(request.ContentType, TusProtocol.OffsetContentType, StringComparison.OrdinalIgnoreCase);

    private static IResult Busy() =>
        ApiResults.Error(StatusCodes.Status423Locked, ApiErrorCodes.UploadBusy, "another request is writing this upload; retry shortly");

    private static IResult NotFound() => ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.FileNotFound, "no such upload");

    /// <summary>The HTTP answer to a grain's refusal.</summary>
    internal static IResult Refusal(FileResult result) => result.Status switch
    {
        FileStatus.NotFound => ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.FileNotFound, "no such file (or it expired)"),
        FileStatus.Forbidden => ApiResults.Error(StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "this file is not yours, nor shared with you"),
        FileStatus.AlreadyExists => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.FileExists, "a file with this id exists"),
        FileStatus.OffsetMismatch => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.OffsetMismatch, result.Detail ?? "the upload moved on"),
        FileStatus.TooLarge => ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.TooLarge, result.Detail ?? "too large"),
        FileStatus.QuotaExceeded => ApiResults.Error(StatusCodes.Status413PayloadTooLarge, ApiErrorCodes.QuotaExceeded, result.Detail ?? "over quota"),
        FileStatus.NotComplete => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.FileIncomplete, "the upload is not complete yet"),
        FileStatus.Completed => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.FileExists, "the upload is already complete"),
        _ => ApiResults.BadRequest(result.Detail ?? "the request is not valid for this file"),
    };
}
