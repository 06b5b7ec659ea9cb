using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// Production identity: tokens of an external OpenID Connect issuer, here a minimal provider on loopback that
/// publishes its discovery document and signing keys the way Keycloak or any OIDC provider does.
/// </summary>
public sealed class OidcTests : IAsyncLifetime
{
    private const string Audience = "conclave-test";
    private readonly RSA _key = RSA.Create(2048);
    private WebApplication? _provider;
    private TestServer? _server;
    private string _issuer = "";

    public async ValueTask InitializeAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _provider = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.ExportParameters(false)) { KeyId = "test-key" });
        _provider.MapGet("/.well-known/openid-configuration", () => Results.Text(
            $$"""{"issuer":"{{_issuer}}","jwks_uri":"{{_issuer}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""", "application/json"));
        _provider.MapGet("/jwks", () => Results.Text(
            $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{jwk.Kid}}","n":"{{jwk.N}}","e":"{{jwk.E}}"}]}""", "application/json"));
        await _provider.StartAsync();
        _issuer = _provider.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Conclave:Identity:Oidc:Authority"] = _issuer,
            ["Conclave:Identity:Oidc:Audience"] = Audience,
            ["Conclave:Identity:Oidc:RequireHttpsMetadata"] = "false",
            ["Conclave:Identity:Oidc:UserIdClaim"] = "preferred_username",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_provider is not null) await _provider.DisposeAsync();
        _key.Dispose();
    }

    [Fact]
    public async Task A_user_of_the_external_issuer_is_recognised_over_http_and_signaling()
    {
        string token = Mint("marie.curie", "Marie Curie");
        using ConclaveApiClient self = ConclaveApiClient.Create(_server!.BaseAddress, token);
        MeDto me = await self.GetMeAsync(Deadline.Token);
        Assert.Equal("marie.curie", me.UserId);
        Assert.Equal("Marie Curie", me.DisplayName);
        Assert.Equal(_issuer, me.Issuer);
        Assert.False(me.IsAdmin);

        // An administrator of the external issuer admits her into a room; she joins over signaling.
        using ConclaveApiClient admin = ConclaveApiClient.Create(_server.BaseAddress, Mint("chief", "Chief", admin: true));
        string room = "oidc-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        await admin.AddMemberAsync(room, new AddMemberRequest("marie.curie"), Deadline.Token);

        await using var client = new SignalingClient();
        WelcomeMessage welcome = await client.ConnectAsync(_server.BaseAddress, token, null, Deadline.Token);
        Assert.Equal("marie.curie", welcome.UserId);
        JoinedMessage joined = await client.JoinAsync(room, Deadline.Token);
        Assert.Equal("Marie Curie", Assert.Single(joined.Participants).DisplayName);
    }

    [Fact]
    public async Task Tokens_for_another_audience_or_signed_by_another_key_or_expired_are_refused()
    {
        await AssertRefusedAsync(Mint("x", "X", audience: "someone-else"));
        await AssertRefusedAsync(Mint("x", "X", lifetime: TimeSpan.FromMinutes(-10)));
        using RSA other = RSA.Create(2048);
        await AssertRefusedAsync(Mint("x", "X", signingKey: other));
        await AssertRefusedAsync(Mint("x", "X", issuer: "http://127.0.0.1:1/not-the-issuer"));
    }

    private async Task AssertRefusedAsync(string token)
    {
        using var http = new HttpClient { BaseAddress = _server!.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/me", Deadline.Token)).StatusCode);

        await using var client = new SignalingClient();
        SignalingException refused = await Assert.ThrowsAsync<SignalingException>(() => client.ConnectAsync(_server.BaseAddress, token, null, Deadline.Token));
        Assert.Equal(ErrorCodes.InvalidToken, refused.Code);
    }

    private string Mint(string user, string name, bool admin = false, string audience = Audience, TimeSpan? lifetime = null, RSA? signingKey = null, string? issuer = null)
    {
        DateTime now = DateTime.UtcNow;
        TimeSpan life = lifetime ?? TimeSpan.FromMinutes(10);
        var claims = new Dictionary<string, object> { ["preferred_username"] = user, ["name"] = name, ["sub"] = Guid.NewGuid().ToString() };
        if (admin) claims["roles"] = new[] { "conclave-admin", "other" };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? _issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = life < TimeSpan.Zero ? now + life - TimeSpan.FromMinutes(5) : now,
            NotBefore = life < TimeSpan.Zero ? now + life - TimeSpan.FromMinutes(5) : now,
            Expires = now + life,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signingKey ?? _key) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
        });
    }
}
