using Conclave.Grains;
using Conclave.MediaServer.Hosting;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Api;

/// <summary>The admin API (docs/api.md): rooms, members, locks and invitations. Admin role required.</summary>
public static class AdminEndpoints
{
    private static readonly TimeSpan DefaultInvitationLifetime = TimeSpan.FromDays(7);
    private static readonly TimeSpan MaxInvitationLifetime = TimeSpan.FromDays(30);

    /// <summary>Maps <c>/api/admin/*</c>.</summary>
    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder admin = app.MapGroup("/api/admin").RequireAuthorization(BearerAuthenticationHandler.AdminPolicy);
        admin.MapPost("/rooms", CreateRoomAsync);
        admin.MapGet("/rooms/{room}", GetRoomAsync);
        admin.MapPost("/rooms/{room}/members", AddMemberAsync);
        admin.MapPost("/rooms/{room}/lock", (string room, IGrainFactory grains) => SetLockedAsync(room, true, grains));
        admin.MapPost("/rooms/{room}/unlock", (string room, IGrainFactory grains) => SetLockedAsync(room, false, grains));
        admin.MapPost("/rooms/{room}/invitations", CreateInvitationAsync);
    }

    private static async Task<IResult> CreateRoomAsync(CreateRoomRequest request, HttpContext context, IGrainFactory grains)
    {
        if (!Names.IsValidRoomName(request.Name))
            return ApiResults.BadRequest("name must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
        string owner = request.Owner ?? AuthenticatedUser.FromPrincipal(context.User).UserId;
        if (!Names.IsValidUserId(owner)) return ApiResults.BadRequest("owner is not a valid user id");

        RoomResult result = await grains.GetGrain<IRoomGrain>(request.Name).CreateAsync(owner);
        return result.Status switch
        {
            RoomStatus.Ok => Results.Json(RoleNames.ToDto(result.Room!), ConclaveJsonContext.Default.RoomDto, statusCode: StatusCodes.Status201Created),
            RoomStatus.AlreadyExists => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.RoomExists, $"a room named '{request.Name}' already exists"),
            _ => RoomFailure(request.Name, result.Status),
        };
    }

    private static async Task<IResult> GetRoomAsync(string room, IGrainFactory grains) =>
        RoomReply(room, Names.IsValidRoomName(room) ? await grains.GetGrain<IRoomGrain>(room).GetAsync() : new RoomResult(RoomStatus.NotFound, null));

    private static async Task<IResult> AddMemberAsync(string room, AddMemberRequest request, IGrainFactory grains)
    {
        if (!Names.IsValidRoomName(room)) return ApiResults.RoomNotFound(room);
        if (!Names.IsValidUserId(request.UserId)) return ApiResults.BadRequest("userId is not a valid user id");
        if (!RoleNames.TryParseGrantable(request.Role, out RoomRole role)) return ApiResults.BadRequest("role must be 'member' or 'host'");
        return RoomReply(room, await grains.GetGrain<IRoomGrain>(room).AddMemberAsync(request.UserId, role));
    }

    private static async Task<IResult> SetLockedAsync(string room, bool locked, IGrainFactory grains) =>
        RoomReply(room, Names.IsValidRoomName(room) ? await grains.GetGrain<IRoomGrain>(room).SetLockedAsync(locked) : new RoomResult(RoomStatus.NotFound, null));

    private static async Task<IResult> CreateInvitationAsync(
        string room, CreateInvitationRequest request, HttpContext context, IGrainFactory grains, TimeProvider time, IOptions<ConclaveOptions> options)
    {
        if (!Names.IsValidRoomName(room)) return ApiResults.RoomNotFound(room);
        if (!Names.IsValidDisplayName(request.DisplayName)) return ApiResults.BadRequest("displayName must be 1-64 printable characters");
        if (!RoleNames.TryParseGrantable(request.Role, out RoomRole role)) return ApiResults.BadRequest("role must be 'member' or 'host'");
        TimeSpan lifetime = request.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : DefaultInvitationLifetime;
        if (lifetime <= TimeSpan.Zero || lifetime > MaxInvitationLifetime)
            return ApiResults.BadRequest($"ttlSeconds must be between 1 and {(int)MaxInvitationLifetime.TotalSeconds}");

        RoomResult existing = await grains.GetGrain<IRoomGrain>(room).GetAsync();
        if (existing.Status != RoomStatus.Ok) return RoomFailure(room, existing.Status);

        string code = Secrets.NewId(32);
        var invitation = new Invitation(room, request.DisplayName.Trim(), role, time.GetUtcNow() + lifetime,
            AuthenticatedUser.FromPrincipal(context.User).UserId);
        if (!await grains.GetGrain<IInvitationGrain>(Secrets.Sha256Hex(code)).CreateAsync(invitation))
            throw new InvalidOperationException("invitation code collision"); // 256 random bits: never in practice.

        string baseUrl = options.Value.PublicUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";
        var dto = new InvitationDto($"{baseUrl}/join/{code}", code, room, invitation.DisplayName, RoleNames.ToWire(role), invitation.ExpiresAt);
        return Results.Json(dto, ConclaveJsonContext.Default.InvitationDto, statusCode: StatusCodes.Status201Created);
    }

    private static IResult RoomReply(string room, RoomResult result) => result.Status == RoomStatus.Ok
        ? Results.Json(RoleNames.ToDto(result.Room!), ConclaveJsonContext.Default.RoomDto)
        : RoomFailure(room, result.Status);

    private static IResult RoomFailure(string room, RoomStatus status) => status switch
    {
        RoomStatus.NotFound => ApiResults.RoomNotFound(room),
        RoomStatus.NotMember => ApiResults.Error(StatusCodes.Status409Conflict, ApiErrorCodes.BadRequest, "that user is not a member"),
        _ => ApiResults.BadRequest($"the room refused the change ({status})"),
    };
}
