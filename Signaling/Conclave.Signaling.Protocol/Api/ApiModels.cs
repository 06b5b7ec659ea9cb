namespace Conclave.Signaling.Protocol.Api;

// The HTTP API's request and response bodies (docs/api.md). Errors are ApiError with an HTTP status.

/// <summary>POST /api/admin/rooms.</summary>
/// <param name="Name">The room's name, also its identifier (see <see cref="Names.IsValidRoomName"/>).</param>
/// <param name="Owner">Owner user id; the caller when omitted.</param>
public sealed record CreateRoomRequest(string Name, string? Owner = null);

/// <summary>A room as the admin API shows it.</summary>
public sealed record RoomDto(string Name, string Owner, bool Locked, IReadOnlyList<RoomMemberDto> Members, DateTimeOffset CreatedAt);

/// <summary>One member of a room; <paramref name="Role"/> is <c>member</c>, <c>host</c> or <c>owner</c>.</summary>
public sealed record RoomMemberDto(string UserId, string Role, DateTimeOffset AddedAt);

/// <summary>POST /api/admin/rooms/{room}/members: admit a user (e.g. an OpenID Connect subject).</summary>
public sealed record AddMemberRequest(string UserId, string Role = "member");

/// <summary>POST /api/admin/rooms/{room}/invitations.</summary>
/// <param name="DisplayName">The name the invited person will have.</param>
/// <param name="Role"><c>member</c> (default) or <c>host</c>.</param>
/// <param name="TtlSeconds">How long the invitation stays redeemable; default 7 days, at most 30 days.</param>
public sealed record CreateInvitationRequest(string DisplayName, string Role = "member", int? TtlSeconds = null);

/// <summary>A new invitation. <paramref name="Url"/> (<c>&lt;server&gt;/join/&lt;code&gt;</c>) is single-use.</summary>
public sealed record InvitationDto(string Url, string Code, string Room, string DisplayName, string Role, DateTimeOffset ExpiresAt);

/// <summary>POST /api/invitations/{code}/redeem: the device token of a newly created user.</summary>
public sealed record RedeemResponse(string Token, string UserId, string DeviceId, string DisplayName, string Room, string Role, DateTimeOffset ExpiresAt);

/// <summary>GET /api/me: who the bearer token says the caller is.</summary>
public sealed record MeDto(string UserId, string DeviceId, string DisplayName, bool IsAdmin, string Issuer);

/// <summary>PUT /api/me/device-keys: the calling device's public keys (base64 in JSON, opaque to the server).</summary>
public sealed record DeviceKeysRequest(byte[] PublicKeys);

/// <summary>Every API error: a stable <paramref name="Code"/> (see docs/api.md) and a readable message.</summary>
public sealed record ApiError(string Code, string Message);

/// <summary>The <c>code</c> values of <see cref="ApiError"/>.</summary>
public static class ApiErrorCodes
{
    public const string BadRequest = "bad-request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string RoomNotFound = "room-not-found";
    public const string RoomExists = "room-exists";
    public const string InvitationNotFound = "invitation-not-found";
    public const string InvitationUsed = "invitation-used";
    public const string InvitationExpired = "invitation-expired";
    public const string TooLarge = "too-large";
    public const string NotFound = "not-found";
    public const string UnsupportedMediaType = "unsupported-media-type";
    public const string BadSdp = "bad-sdp";
    public const string NoCommonCodec = "no-common-codec";
    public const string TooManySessions = "too-many-sessions";
    public const string ServerBusy = "server-busy";
    public const string Disabled = "disabled";
    public const string FileNotFound = "file-not-found";
    public const string FileExists = "file-exists";
    public const string FileIncomplete = "file-incomplete";
    public const string QuotaExceeded = "quota-exceeded";
    public const string OffsetMismatch = "offset-mismatch";
    public const string ChecksumMismatch = "checksum-mismatch";
    public const string UploadBusy = "upload-busy";
    public const string RangeNotSatisfiable = "range-not-satisfiable";
    public const string UnsupportedTusVersion = "unsupported-tus-version";
    public const string UserNotFound = "user-not-found";
}
