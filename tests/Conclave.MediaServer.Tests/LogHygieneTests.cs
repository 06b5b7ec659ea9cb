using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>Logs never contain tokens, invitation codes or resume secrets, even at Debug level.</summary>
[Collection(ServerCollection.Name)]
public sealed class LogHygieneTests(ServerFixture fixture)
{
    [Fact]
    public async Task No_secret_reaches_the_logs()
    {
        var secrets = new List<string> { fixture.Server.AdminToken };
        string room = await fixture.CreateRoomAsync();
        using ConclaveApiClient admin = fixture.Admin();
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest("Secretive"), Deadline.Token);
        secrets.Add(invitation.Code);

        using ConclaveApiClient anonymous = ConclaveApiClient.Create(fixture.Server.BaseAddress);
        RedeemResponse user = await anonymous.RedeemInvitationAsync(new Uri(invitation.Url), Deadline.Token);
        secrets.Add(user.Token);
        await Assert.ThrowsAsync<ConclaveApiException>(() => anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token));

        SignalingClient client = await fixture.ConnectAsync(user.Token);
        await client.JoinAsync(room, Deadline.Token);
        ResumeRequest resume = client.GetResumeRequest()!;
        secrets.Add(resume.ResumeToken);
        await client.AbortAsync();
        await client.DisposeAsync();
        await using SignalingClient resumed = await fixture.ConnectAsync(user.Token, resume: resume);
        secrets.Add(resumed.Welcome!.ResumeToken);

        // Refused tokens must not be echoed either.
        string forged = user.Token[..^4] + "AAAA";
        secrets.Add(forged);
        await using var bad = new SignalingClient();
        await Assert.ThrowsAsync<SignalingException>(() => bad.ConnectAsync(fixture.Server.BaseAddress, forged, null, Deadline.Token));
        using (var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", forged);
            await http.GetAsync("/api/me", Deadline.Token);
            await http.GetAsync($"/join/{invitation.Code}", Deadline.Token);
        }

        Assert.NotEmpty(fixture.Server.Logs.Lines);
        foreach (string line in fixture.Server.Logs.Lines)
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
                Assert.DoesNotContain(secret[..Math.Min(secret.Length, 24)], line, StringComparison.Ordinal);
            }
        }
    }
}
