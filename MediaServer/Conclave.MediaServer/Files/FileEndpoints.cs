using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Hosting;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Files;

/// <summary>
/// The file API (docs/api.md, "Files"): the caller's files, one file, sharing it (wrapped keys), deleting it, and
/// downloading its ciphertext with byte ranges; and the registered devices of a user, to wrap keys to. The server only
/// ever handles ciphertext and opaque wraps. Anyone who is neither owner nor recipient gets 403, unknown ids 404.
/// </summary>
public static class FileEndpoints
{
    /// <summary>Maps <c>/api/files</c> and <c>/api/users/{userId}/devices</c>.</summary>
    public static void MapFilesApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder files = app.MapGroup("/api/files");
        files.MapGet("", ListAsync);
        files.MapGet("/{id}", GetAsync);
        files.MapPut("/{id}/keys", AddKeysAsync);
        files.MapDelete("/{id}", DeleteAsync);
        files.MapGet("/{id}/content", FileDownload.GetAsync);
        app.MapGet("/api/users/{userId}/devices", GetDevicesAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains, IOptions<ConclaveOptions> options)
    {
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        IUserFilesGrain user = grains.GetGrain<IUserFilesGrain>(userId);
        UserFiles index = await user.ListAsync();
        string[] ids = [.. index.Owned.Concat(index.Received).Distinct(StringComparer.Ordinal)];
        FileResult[] results = await Task.WhenAll(ids.Select(id => grains.GetGrain<IFileGrain>(id).GetAsync(userId)));

        // The index can name files that are gone: a node may have stopped between clearing a file and updating its
        // owner's and recipients' lists (IUserFilesGrain). A file grain answers only once a create or share in progress
        // has finished, so what it calls unknown (or not shared with this user) is stale here: prune it, quota included.
        bool pruned = false;
        for (int i = 0; i < ids.Length; i++)
        {
            if (results[i].Status == FileStatus.NotFound && index.Owned.Contains(ids[i]))
            {
                await user.ReleaseAsync(ids[i]);
                pruned = true;
            }
            if (results[i].Status is FileStatus.NotFound or FileStatus.Forbidden && index.Received.Contains(ids[i]))
            {
                await user.RemoveReceivedAsync(ids[i]);
                pruned = true;
            }
        }
        long reserved = pruned ? (await user.ListAsync()).ReservedBytes : index.ReservedBytes;
        FileDto[] files = [.. results.Where(r => r.File is not null).Select(r => ToDto(r.File!, userId)).OrderByDescending(f => f.Created)];
        return Results.Json(new FileListDto(files, reserved, options.Value.Files.UserQuota), ConclaveJsonContext.Default.FileListDto);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (!BlobNames.IsValid(id)) return TusEndpoints.Refusal(new FileResult(FileStatus.NotFound));
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        FileResult result = await grains.GetGrain<IFileGrain>(id).GetAsync(userId);
        return result.File is { } view
            ? Results.Json(ToDto(view, userId), ConclaveJsonContext.Default.FileDto)
            : TusEndpoints.Refusal(result);
    }

    private static async Task<IResult> AddKeysAsync(string id, FileKeysRequest request, HttpContext context, IGrainFactory grains)
    {
        if (!BlobNames.IsValid(id)) return TusEndpoints.Refusal(new FileResult(FileStatus.NotFound));
        if (request.Keys is not { Count: > 0 and <= FileLimits.MaxKeys })
            return ApiResults.BadRequest($"keys must hold 1-{FileLimits.MaxKeys} entries");
        foreach (string recipient in request.Keys.Select(k => k.UserId).Distinct(StringComparer.Ordinal))
        {
            if (!Names.IsValidUserId(recipient) || !(await grains.GetGrain<IUserGrain>(recipient).GetAsync()).Exists)
                return ApiResults.Error(StatusCodes.Status400BadRequest, ApiErrorCodes.UserNotFound, $"no user '{recipient}'");
        }
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        FileResult result = await grains.GetGrain<IFileGrain>(id).AddKeysAsync(userId,
            [.. request.Keys.Select(k => new WrappedFileKey(k.UserId, k.Device, k.Wrap))]);
        return result.File is { } view
            ? Results.Json(ToDto(view, userId), ConclaveJsonContext.Default.FileDto)
            : TusEndpoints.Refusal(result);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, Uploads uploads, FileLocks locks)
    {
        if (!BlobNames.IsValid(id)) return TusEndpoints.Refusal(new FileResult(FileStatus.NotFound));
        using IDisposable? held = locks.TryEnter(id);
        if (held is null) return ApiResults.Error(StatusCodes.Status423Locked, ApiErrorCodes.UploadBusy, "a request is writing this file; retry shortly");
        FileResult deleted = await uploads.DeleteAsync(id, AuthenticatedUser.FromPrincipal(context.User).UserId, context.RequestAborted);
        return deleted.Status == FileStatus.Ok ? Results.NoContent() : TusEndpoints.Refusal(deleted);
    }

    private static async Task<IResult> GetDevicesAsync(string userId, IGrainFactory grains)
    {
        if (!Names.IsValidUserId(userId)) return ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.UserNotFound, "no such user");
        UserProfile profile = await grains.GetGrain<IUserGrain>(userId).GetAsync();
        if (!profile.Exists) return ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.UserNotFound, "no such user");
        DeviceDto[] devices = [.. profile.Devices.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new DeviceDto(d.Key, d.Value))];
        return Results.Json(new UserDevicesDto(profile.UserId, profile.DisplayName, devices), ConclaveJsonContext.Default.UserDevicesDto);
    }

    private static FileDto ToDto(FileView view, string userId)
    {
        bool owner = view.OwnerUserId == userId;
        return new FileDto(view.FileId, view.OwnerUserId, owner ? "owner" : "recipient", view.Length, view.Offset, view.Complete,
            view.Created, view.Expires, [.. view.Keys.Select(k => new FileKeyDto(k.UserId, k.Device, k.Wrap))],
            owner ? [.. view.Downloads.Select(d => new FileDownloadDto(d.UserId, d.At, d.Range))] : null);
    }
}
