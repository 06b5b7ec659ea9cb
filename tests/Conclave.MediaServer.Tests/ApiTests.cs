using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Conclave.Client;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>The HTTP API over a real socket: authentication, validation, invitations.</summary>
[Collection(ServerCollection.Name)]
public sealed class ApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Health_endpoints_answer_without_credentials()
    {
        using HttpClient http = Http();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", Deadline.Token)).StatusCode);
        HttpResponseMessage ready = await http.GetAsync("/readyz", Deadline.Token);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(Deadline.Token));
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("POST", "/api/admin/rooms")]
    [InlineData("GET", "/api/admin/rooms/anything")]
    [InlineData("PUT", "/api/me/device-keys")]
    public async Task Api_endpoints_need_a_token(string method, string path)
    {
        using HttpClient http = Http();
        HttpResponseMessage response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Deadline.Token);
        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, ApiErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task An_expired_token_is_refused_over_http()
    {
        using HttpClient http = Http(fixture.Server.MintToken("u-expired", TimeSpan.FromMinutes(-5)));
        await AssertErrorAsync(await http.GetAsync("/api/me", Deadline.Token), HttpStatusCode.Unauthorized, ApiErrorCodes.Unauthorized);
    }

    [Fact]
    public async Task A_member_token_cannot_use_the_admin_api()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse member = await fixture.InviteAsync(room, "Member");
        using HttpClient http = Http(member.Token);
        HttpResponseMessage response = await http.PostAsync("/api/admin/rooms", Json("""{"name":"stolen"}"""), Deadline.Token);
        await AssertErrorAsync(response, HttpStatusCode.Forbidden, ApiErrorCodes.Forbidden);

        using ConclaveApiClient self = ConclaveApiClient.Create(fixture.Server.BaseAddress, member.Token);
        MeDto me = await self.GetMeAsync(Deadline.Token);
        Assert.Equal(member.UserId, me.UserId);
        Assert.Equal(member.DeviceId, me.DeviceId);
        Assert.False(me.IsAdmin);
    }

    [Theory]
    [InlineData("""{"name":"Has Spaces"}""")]
    [InlineData("""{"name":""}""")]
    [InlineData("""{"name":"-leading-dash"}""")]
    [InlineData("""{"nom":"x"}""")]
    [InlineData("""{"name":"ok","owner":""}""")]
    [InlineData("{not json")]
    [InlineData("[]")]
    public async Task Invalid_room_requests_get_bad_request(string body)
    {
        using HttpClient http = Http(fixture.Server.AdminToken);
        await AssertErrorAsync(await http.PostAsync("/api/admin/rooms", Json(body), Deadline.Token), HttpStatusCode.BadRequest, ApiErrorCodes.BadRequest);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused()
    {
        using HttpClient http = Http(fixture.Server.AdminToken);
        string body = "{\"name\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        await AssertErrorAsync(await http.PostAsync("/api/admin/rooms", Json(body), Deadline.Token), HttpStatusCode.RequestEntityTooLarge, ApiErrorCodes.TooLarge);
    }

    [Fact]
    public async Task Rooms_are_created_once_and_invitations_need_an_existing_room()
    {
        string room = await fixture.CreateRoomAsync();
        using ConclaveApiClient admin = fixture.Admin();
        ConclaveApiException duplicate = await Assert.ThrowsAsync<ConclaveApiException>(() => admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(ApiErrorCodes.RoomExists, duplicate.Code);

        ConclaveApiException missing = await Assert.ThrowsAsync<ConclaveApiException>(
            () => admin.CreateInvitationAsync("no-such-room", new CreateInvitationRequest("X"), Deadline.Token));
        Assert.Equal(ApiErrorCodes.RoomNotFound, missing.Code);

        ConclaveApiException badRole = await Assert.ThrowsAsync<ConclaveApiException>(
            () => admin.CreateInvitationAsync(room, new CreateInvitationRequest("X", "owner"), Deadline.Token));
        Assert.Equal(ApiErrorCodes.BadRequest, badRole.Code);
    }

    [Fact]
    public async Task An_invitation_is_redeemed_once_into_a_new_member()
    {
        string room = await fixture.CreateRoomAsync();
        using ConclaveApiClient admin = fixture.Admin();
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest("Dana", "host"), Deadline.Token);
        Assert.Equal($"{fixture.Server.BaseAddress.ToString().TrimEnd('/')}/join/{invitation.Code}", invitation.Url);

        using ConclaveApiClient anonymous = ConclaveApiClient.Create(fixture.Server.BaseAddress);
        RedeemResponse redeemed = await anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token);
        Assert.Equal("Dana", redeemed.DisplayName);
        Assert.Equal(room, redeemed.Room);
        Assert.Equal("host", redeemed.Role);

        RoomDto after = await admin.GetRoomAsync(room, Deadline.Token);
        Assert.Contains(after.Members, m => m.UserId == redeemed.UserId && m.Role == "host");

        ConclaveApiException used = await Assert.ThrowsAsync<ConclaveApiException>(() => anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token));
        Assert.Equal(HttpStatusCode.Gone, used.StatusCode);
        Assert.Equal(ApiErrorCodes.InvitationUsed, used.Code);

        ConclaveApiException unknown = await Assert.ThrowsAsync<ConclaveApiException>(() => anonymous.RedeemInvitationAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Deadline.Token));
        Assert.Equal(ApiErrorCodes.InvitationNotFound, unknown.Code);
    }

    [Fact]
    public async Task Device_keys_registered_over_the_api_appear_in_the_roster()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse user = await fixture.InviteAsync(room, "Keyholder");
        byte[] keys = Enumerable.Range(0, 1216).Select(i => (byte)i).ToArray();
        using (ConclaveApiClient self = ConclaveApiClient.Create(fixture.Server.BaseAddress, user.Token))
        {
            await self.SetDeviceKeysAsync(new DeviceKeysRequest(keys), Deadline.Token);
            ConclaveApiException tooBig = await Assert.ThrowsAsync<ConclaveApiException>(
                () => self.SetDeviceKeysAsync(new DeviceKeysRequest(new byte[9000]), Deadline.Token));
            Assert.Equal(ApiErrorCodes.BadRequest, tooBig.Code);
        }

        await using SignalingClient client = await fixture.ConnectAsync(user.Token);
        Conclave.Signaling.Protocol.JoinedMessage joined = await client.JoinAsync(room, Deadline.Token);
        Assert.Equal(keys, Assert.Single(joined.Participants).DevicePublicKeys);
    }

    [Fact]
    public async Task The_join_page_is_served_without_credentials_and_leaks_no_referrer()
    {
        using HttpClient http = Http();
        HttpResponseMessage page = await http.GetAsync("/join/some-code", Deadline.Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("no-store", page.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("join.js", await page.Content.ReadAsStringAsync(Deadline.Token), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/join.js", Deadline.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/", Deadline.Token)).StatusCode);
    }

    [Fact]
    public async Task The_signaling_endpoint_refuses_plain_http()
    {
        using HttpClient http = Http();
        await AssertErrorAsync(await http.GetAsync("/signal", Deadline.Token), HttpStatusCode.BadRequest, ApiErrorCodes.BadRequest);
    }

    private HttpClient Http(string? token = null)
    {
        var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Deadline.Token));
        Assert.Equal(code, error.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("message").GetString()));
    }
}
