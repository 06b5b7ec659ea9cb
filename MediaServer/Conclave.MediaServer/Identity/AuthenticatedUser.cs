using System.Security.Claims;

namespace Conclave.MediaServer.Identity;

/// <summary>Who a validated bearer token speaks for.</summary>
public sealed record AuthenticatedUser(string UserId, string DeviceId, string DisplayName, bool IsAdmin, string Issuer)
{
    /// <summary>Claim types on the <see cref="ClaimsPrincipal"/> built for HTTP requests.</summary>
    public static class Claims
    {
        public const string UserId = "sub";
        public const string DeviceId = "did";
        public const string DisplayName = "name";
        public const string Role = "role";
        public const string Issuer = "iss";
        public const string AdminRole = "admin";
    }

    /// <summary>The principal the authentication handler signs in.</summary>
    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(Claims.UserId, UserId),
            new(Claims.DeviceId, DeviceId),
            new(Claims.DisplayName, DisplayName),
            new(Claims.Issuer, Issuer),
        };
        if (IsAdmin) claims.Add(new Claim(Claims.Role, Claims.AdminRole));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, Claims.DisplayName, Claims.Role));
    }

    /// <summary>Reads back what <see cref="ToPrincipal"/> wrote.</summary>
    public static AuthenticatedUser FromPrincipal(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(Claims.UserId) ?? throw new InvalidOperationException("unauthenticated principal"),
        principal.FindFirstValue(Claims.DeviceId) ?? "",
        principal.FindFirstValue(Claims.DisplayName) ?? "",
        principal.IsInRole(Claims.AdminRole),
        principal.FindFirstValue(Claims.Issuer) ?? "");
}
