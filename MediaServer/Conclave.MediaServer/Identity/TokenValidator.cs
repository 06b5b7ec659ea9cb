using Conclave.MediaServer.Hosting;
using Conclave.Signaling.Protocol;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Conclave.MediaServer.Identity;

/// <summary>
/// Validates bearer tokens of the embedded issuer and, when configured, of the external OpenID Connect issuer.
/// One path for HTTP requests and signaling <c>hello</c>, so both accept exactly the same tokens.
/// </summary>
public sealed class TokenValidator
{
    private readonly SigningKeyStore _keys;
    private readonly OidcOptions _oidc;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _oidcConfiguration;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TimeProvider _time;

    /// <summary>Builds the validator; the OIDC discovery document is fetched lazily and cached.</summary>
    public TokenValidator(SigningKeyStore keys, IOptions<ConclaveOptions> options, TimeProvider time)
    {
        _keys = keys;
        _time = time;
        _oidc = options.Value.Identity.Oidc;
        if (!string.IsNullOrWhiteSpace(_oidc.Authority))
        {
            string metadata = _oidc.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
            _oidcConfiguration = new ConfigurationManager<OpenIdConnectConfiguration>(
                metadata,
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = _oidc.RequireHttpsMetadata });
        }
    }

    /// <summary>Checks signature, issuer, audience and lifetime; returns the user or why it was refused.</summary>
    public async Task<TokenCheck> ValidateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > SignalLimits.MaxTokenLength || !_handler.CanReadToken(token))
            return TokenCheck.Refused("the token is not a JWT");

        string issuer;
        try
        {
            issuer = _handler.ReadJsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return TokenCheck.Refused("the token is not a JWT");
        }

        if (issuer == EmbeddedTokenIssuer.Issuer)
            return await ValidateEmbeddedAsync(token);
        if (_oidcConfiguration is not null)
            return await ValidateOidcAsync(token, cancellationToken);
        return TokenCheck.Refused("the token's issuer is not trusted");
    }

    private async Task<TokenCheck> ValidateEmbeddedAsync(string token)
    {
        if (_keys.Current is not { } key) return TokenCheck.Refused("the server is starting");
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = EmbeddedTokenIssuer.Issuer,
            ValidAudience = EmbeddedTokenIssuer.Issuer,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = ValidateLifetime,
        };
        TokenValidationResult result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid) return TokenCheck.Refused(Describe(result.Exception));
        string? userId = Claim(result, AuthenticatedUser.Claims.UserId);
        if (!Names.IsValidUserId(userId)) return TokenCheck.Refused("the token has no valid subject");
        return TokenCheck.Accepted(new AuthenticatedUser(
            userId!,
            Claim(result, AuthenticatedUser.Claims.DeviceId) ?? userId!,
            Claim(result, AuthenticatedUser.Claims.DisplayName) ?? userId!,
            Claim(result, AuthenticatedUser.Claims.Role) == AuthenticatedUser.Claims.AdminRole,
            EmbeddedTokenIssuer.Issuer));
    }

    private async Task<TokenCheck> ValidateOidcAsync(string token, CancellationToken cancellationToken)
    {
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _oidcConfiguration!.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return TokenCheck.Refused("the identity provider cannot be reached");
        }
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = _oidc.Audience,
            ValidateAudience = !string.IsNullOrEmpty(_oidc.Audience),
            IssuerSigningKeys = configuration.SigningKeys,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = ValidateLifetime,
        };
        TokenValidationResult result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
                _oidcConfiguration.RequestRefresh(); // The provider may have rotated its keys.
            return TokenCheck.Refused(Describe(result.Exception));
        }
        string? userId = Claim(result, _oidc.UserIdClaim);
        if (!Names.IsValidUserId(userId)) return TokenCheck.Refused($"the token has no valid '{_oidc.UserIdClaim}' claim");
        bool isAdmin = HasRole(result, "roles") || HasRole(result, "role");
        string deviceId = Claim(result, "sid") ?? Claim(result, "azp") ?? "oidc";
        return TokenCheck.Accepted(new AuthenticatedUser(
            userId!, deviceId, Claim(result, _oidc.DisplayNameClaim) ?? userId!, isAdmin, configuration.Issuer));
    }

    private bool HasRole(TokenValidationResult result, string claim) =>
        result.Claims.TryGetValue(claim, out object? value) && value switch
        {
            string s => s == _oidc.AdminRole,
            IEnumerable<object> list => list.Any(v => v?.ToString() == _oidc.AdminRole),
            _ => false,
        };

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        DateTime now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) return false;
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew) return false;
        return expires.Value > now - parameters.ClockSkew;
    }

    private static string? Claim(TokenValidationResult result, string type) =>
        result.Claims.TryGetValue(type, out object? value) ? value?.ToString() : null;

    // Never echo the token or library messages that may quote it.
    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException => "the token has expired",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token's signature is invalid",
        SecurityTokenInvalidAudienceException => "the token is for another audience",
        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
        _ => "the token is invalid",
    };
}

/// <summary>The outcome of <see cref="TokenValidator.ValidateAsync"/>.</summary>
public sealed record TokenCheck(AuthenticatedUser? User, string? Reason)
{
    public static TokenCheck Accepted(AuthenticatedUser user) => new(user, null);
    public static TokenCheck Refused(string reason) => new(null, reason);
}
