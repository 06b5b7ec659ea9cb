using Conclave.MediaServer.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Conclave.MediaServer.Identity;

/// <summary>Mints the embedded issuer's bearer tokens (JWT, ES256).</summary>
public sealed class EmbeddedTokenIssuer(SigningKeyStore keys, TimeProvider time, IOptions<ConclaveOptions> options)
{
    /// <summary>The <c>iss</c> and <c>aud</c> of embedded tokens.</summary>
    public const string Issuer = "conclave";

    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>A device token for a user created by an invitation.</summary>
    public (string Token, DateTimeOffset ExpiresAt) MintDeviceToken(string userId, string deviceId, string displayName) =>
        Mint(userId, deviceId, displayName, isAdmin: false, options.Value.Identity.DeviceTokenLifetime);

    /// <summary>The administrator's credential.</summary>
    public (string Token, DateTimeOffset ExpiresAt) MintAdminToken() =>
        Mint("admin", "admin", "Administrator", isAdmin: true, options.Value.Identity.AdminTokenLifetime);

    /// <summary>A token with an explicit lifetime (negative lifetimes make already-expired tokens, for tests).</summary>
    public (string Token, DateTimeOffset ExpiresAt) Mint(string userId, string deviceId, string displayName, bool isAdmin, TimeSpan lifetime)
    {
        ECDsaSecurityKey key = keys.Current ?? throw new InvalidOperationException("the signing key is not loaded yet");
        DateTime now = time.GetUtcNow().UtcDateTime;
        DateTime expires = now + lifetime;
        var claims = new Dictionary<string, object>
        {
            [AuthenticatedUser.Claims.DeviceId] = deviceId,
            [AuthenticatedUser.Claims.DisplayName] = displayName,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (isAdmin) claims[AuthenticatedUser.Claims.Role] = AuthenticatedUser.Claims.AdminRole;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            Subject = new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", userId)]),
            Claims = claims,
            IssuedAt = lifetime < TimeSpan.Zero ? expires - TimeSpan.FromMinutes(1) : now,
            NotBefore = lifetime < TimeSpan.Zero ? expires - TimeSpan.FromMinutes(1) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
        };
        return (_handler.CreateToken(descriptor), new DateTimeOffset(expires, TimeSpan.Zero));
    }
}
