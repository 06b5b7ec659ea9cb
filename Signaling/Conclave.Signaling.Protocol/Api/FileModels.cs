namespace Conclave.Signaling.Protocol.Api;

// The file API's bodies (docs/api.md, "Files"). Uploads themselves speak tus 1.0 at /api/uploads (docs/files.md).

/// <summary>A file key wrapped for one device of one recipient (docs/file-format.md): opaque to the server.</summary>
/// <param name="UserId">The recipient.</param>
/// <param name="Device">Base64 SHA-256 of the recipient device's registered public keys.</param>
/// <param name="Wrap">The wrap, as the sender made it.</param>
public sealed record FileKeyDto(string UserId, string Device, string Wrap);

/// <summary>One download in a file's audit log: who, when, and which byte range (null: the whole file).</summary>
public sealed record FileDownloadDto(string UserId, DateTimeOffset At, string? Range);

/// <summary>
/// A file as the caller may see it. <paramref name="Role"/> is <c>owner</c> or <c>recipient</c>; a recipient sees
/// only their own keys and no audit log. <paramref name="Length"/> is the ciphertext's, <paramref name="Offset"/> how
/// much of it is uploaded.
/// </summary>
public sealed record FileDto(
    string Id,
    string Owner,
    string Role,
    long Length,
    long Offset,
    bool Complete,
    DateTimeOffset Created,
    DateTimeOffset Expires,
    IReadOnlyList<FileKeyDto> Keys,
    IReadOnlyList<FileDownloadDto>? Downloads);

/// <summary>GET /api/files: the caller's own files and those shared with them.</summary>
public sealed record FileListDto(IReadOnlyList<FileDto> Files, long ReservedBytes, long QuotaBytes);

/// <summary>PUT /api/files/{id}/keys: the owner shares the file with these devices.</summary>
public sealed record FileKeysRequest(IReadOnlyList<FileKeyDto> Keys);

/// <summary>One registered device of a user: its id and public keys (device keys v1 or v2, docs/e2ee.md).</summary>
public sealed record DeviceDto(string DeviceId, byte[] PublicKeys);

/// <summary>GET /api/users/{userId}/devices: a user's name and registered devices, to wrap file keys to.</summary>
public sealed record UserDevicesDto(string UserId, string DisplayName, IReadOnlyList<DeviceDto> Devices);
