using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Conclave.MediaServer.Api;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Identity;

/// <summary>HTTP authentication: <c>Authorization: Bearer &lt;token&gt;</c> checked by <see cref="TokenValidator"/>.</summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    /// <summary>The policy that requires the admin role.</summary>
    public const string AdminPolicy = "admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        TokenCheck check = await validator.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        return check.User is { } user
            ? AuthenticateResult.Success(new AuthenticationTicket(user.ToPrincipal(SchemeName), SchemeName))
            : AuthenticateResult.Fail(check.Reason!);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return ApiResults.Write(Context, StatusCodes.Status401Unauthorized, ApiErrorCodes.Unauthorized, "a valid bearer token is required");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResults.Write(Context, StatusCodes.Status403Forbidden, ApiErrorCodes.Forbidden, "this needs the admin role");
}
