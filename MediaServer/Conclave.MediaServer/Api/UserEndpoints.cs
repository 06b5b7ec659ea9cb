using Conclave.Grains;
using Conclave.MediaServer.Identity;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Api;

/// <summary>Invitation redemption (anonymous) and the caller's own profile (authenticated).</summary>
public static class UserEndpoints
{
    /// <summary>Maps <c>/api/invitations/{code}/redeem</c> and <c>/api/me</c>.</summary>
    public static void MapUserApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/invitations/{code}/redeem", RedeemAsync).AllowAnonymous();
        RouteGroupBuilder me = app.MapGroup("/api/me").RequireAuthorization();
        me.MapGet("", (HttpContext context) =>
        {
            AuthenticatedUser user = AuthenticatedUser.FromPrincipal(context.User);
            return Results.Json(new MeDto(user.UserId, user.DeviceId, user.DisplayName, user.IsAdmin, user.Issuer), ConclaveJsonContext.Default.MeDto);
        });
        me.MapPut("/device-keys", SetDeviceKeysAsync);
    }

    private static async Task<IResult> RedeemAsync(string code, IGrainFactory grains, EmbeddedTokenIssuer issuer)
    {
        if (!Names.IsValidOpaqueId(code))
            return ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.InvitationNotFound, "no such invitation");

        string userId = "u-" + Secrets.NewId();
        RedeemResult result = await grains.GetGrain<IInvitationGrain>(Secrets.Sha256Hex(code)).RedeemAsync(userId);
        switch (result.Status)
        {
            case RedeemStatus.Ok:
                Invitation invitation = result.Invitation!;
                string deviceId = "d-" + Secrets.NewId();
                (string token, DateTimeOffset expiresAt) = issuer.MintDeviceToken(result.UserId!, deviceId, invitation.DisplayName);
                var response = new RedeemResponse(token, result.UserId!, deviceId, invitation.DisplayName, invitation.Room,
                    RoleNames.ToWire(invitation.Role), expiresAt);
                return Results.Json(response, ConclaveJsonContext.Default.RedeemResponse);
            case RedeemStatus.AlreadyUsed:
                return ApiResults.Error(StatusCodes.Status410Gone, ApiErrorCodes.InvitationUsed, "this invitation was already used");
            case RedeemStatus.Expired:
                return ApiResults.Error(StatusCodes.Status410Gone, ApiErrorCodes.InvitationExpired, "this invitation has expired");
            case RedeemStatus.RoomGone:
                return ApiResults.Error(StatusCodes.Status410Gone, ApiErrorCodes.RoomNotFound, "the invitation's room no longer exists");
            default:
                return ApiResults.Error(StatusCodes.Status404NotFound, ApiErrorCodes.InvitationNotFound, "no such invitation");
        }
    }

    private static async Task<IResult> SetDeviceKeysAsync(DeviceKeysRequest request, HttpContext context, IGrainFactory grains)
    {
        if (request.PublicKeys is not { Length: > 0 and <= UserLimits.MaxDevicePublicKeysBytes })
            return ApiResults.BadRequest($"publicKeys must hold 1-{UserLimits.MaxDevicePublicKeysBytes} bytes");
        AuthenticatedUser user = AuthenticatedUser.FromPrincipal(context.User);
        await grains.GetGrain<IUserGrain>(user.UserId).RegisterDeviceAsync(user.DeviceId, request.PublicKeys);
        return Results.NoContent();
    }
}
