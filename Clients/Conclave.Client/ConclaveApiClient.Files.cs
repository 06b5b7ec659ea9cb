using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Client;

// The file API (docs/api.md, "Files"). Transfers themselves go through FileTransferClient, whose requests may run long.
public sealed partial class ConclaveApiClient
{
    /// <summary><c>GET /api/files</c>: the caller's files and those shared with them.</summary>
    public Task<FileListDto> ListFilesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api("api/files"), content: null, ConclaveJsonContext.Default.FileListDto, authenticated: true, cancellationToken);

    /// <summary><c>GET /api/files/{id}</c>: one file as the caller may see it. 403 <c>forbidden</c>, 404 <c>file-not-found</c>.</summary>
    public Task<FileDto> GetFileAsync(string fileId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api($"api/files/{ServerUri.Segment(fileId)}"), content: null, ConclaveJsonContext.Default.FileDto,
            authenticated: true, cancellationToken);

    /// <summary><c>PUT /api/files/{id}/keys</c>: the owner shares the file with these devices' wrapped keys.</summary>
    public Task<FileDto> SetFileKeysAsync(string fileId, FileKeysRequest request, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, Api($"api/files/{ServerUri.Segment(fileId)}/keys"), Json(request, ConclaveJsonContext.Default.FileKeysRequest),
            ConclaveJsonContext.Default.FileDto, authenticated: true, cancellationToken);

    /// <summary><c>DELETE /api/files/{id}</c>: the owner deletes the file (204).</summary>
    public async Task DeleteFileAsync(string fileId, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await SendCoreAsync(HttpMethod.Delete, Api($"api/files/{ServerUri.Segment(fileId)}"), content: null,
            authenticated: true, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/rooms/{room}</c>: a room the caller is a member of, with its members. 404 <c>room-not-found</c> otherwise.</summary>
    public Task<RoomDto> GetMyRoomAsync(string room, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api($"api/rooms/{ServerUri.Segment(room)}"), content: null, ConclaveJsonContext.Default.RoomDto,
            authenticated: true, cancellationToken);

    /// <summary><c>GET /api/users/{userId}/devices</c>: a user's registered device public keys. 404 <c>user-not-found</c>.</summary>
    public Task<UserDevicesDto> GetUserDevicesAsync(string userId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, Api($"api/users/{ServerUri.Segment(userId)}/devices"), content: null, ConclaveJsonContext.Default.UserDevicesDto,
            authenticated: true, cancellationToken);
}
