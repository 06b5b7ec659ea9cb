using Conclave.Grains;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Api;

/// <summary>What a member may read of their rooms: <c>GET /api/rooms/{room}</c>, the room and its members (to share a
/// file with them, for example). Anyone else gets 404, so room names cannot be probed.</summary>
public static class RoomEndpoints
{
    public static void MapRoomApi(this IEndpointRouteBuilder app) => app.MapGet("/api/rooms/{room}", GetAsync);

    private static async Task<IResult> GetAsync(string room, HttpContext context, IGrainFactory grains)
    {
        if (!Names.IsValidRoomName(room)) return ApiResults.RoomNotFound(room);
        RoomResult result = await grains.GetGrain<IRoomGrain>(room).GetAsync();
        string userId = AuthenticatedUser.FromPrincipal(context.User).UserId;
        if (result.Room is not { } info || !info.Members.Any(m => m.UserId == userId)) return ApiResults.RoomNotFound(room);
        return Results.Json(RoleNames.ToDto(info), ConclaveJsonContext.Default.RoomDto);
    }
}
