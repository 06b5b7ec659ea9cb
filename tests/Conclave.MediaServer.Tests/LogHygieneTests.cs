using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>Logs never contain tokens, invitation codes, resume secrets or end-to-end key material, even at Debug level.</summary>
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

    [Fact]
    public async Task No_statement_or_e2ee_data_reaches_the_logs()
    {
        string room = await fixture.CreateRoomAsync();
        (SignalingClient alice, JoinedMessage aliceJoined) = await fixture.JoinAsync(room, "Alice");
        (SignalingClient bob, JoinedMessage bobJoined) = await fixture.JoinAsync(room, "Bob");
        byte[] membership = System.Security.Cryptography.RandomNumberGenerator.GetBytes(96);
        byte[] leave = System.Security.Cryptography.RandomNumberGenerator.GetBytes(96);
        string data = "wrapped-key-" + Guid.NewGuid().ToString("N");
        string refused = "refused-key-" + Guid.NewGuid().ToString("N");
        await using (alice)
        await using (bob)
        {
            await bob.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = membership }, Deadline.Token);
            await bob.RequestAsync<E2eeSentMessage>(new E2eeSendMessage
            {
                Messages = [new E2eeOutgoing(aliceJoined.SessionId, data), new E2eeOutgoing("nobody-here", data)],
            }, Deadline.Token);
            await alice.ReadEventAsync<E2eeEvent>(cancellationToken: Deadline.Token);

            // Refused requests and requests out of a call are answered without echoing their content either.
            await Assert.ThrowsAsync<SignalingException>(() => bob.RequestAsync<E2eeSentMessage>(new E2eeSendMessage
            {
                Messages = [new E2eeOutgoing(aliceJoined.SessionId, refused), new E2eeOutgoing(aliceJoined.SessionId, refused)],
            }, Deadline.Token));
            await bob.RequestAsync<LeftMessage>(new LeaveMessage { Statement = leave }, Deadline.Token);
            await alice.ReadEventAsync<ParticipantLeftEvent>(e => e.SessionId == bobJoined.SessionId, Deadline.Token);
            await Assert.ThrowsAsync<SignalingException>(() => bob.RequestAsync<E2eeSentMessage>(
                new E2eeSendMessage { Messages = [new E2eeOutgoing(aliceJoined.SessionId, refused)] }, Deadline.Token));
            await Assert.ThrowsAsync<SignalingException>(() => bob.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = membership }, Deadline.Token));
        }

        string[] secrets =
        [
            data, refused, Convert.ToBase64String(membership), Convert.ToBase64String(leave),
            Convert.ToHexString(membership), Convert.ToHexString(leave), BitConverter.ToString(membership), BitConverter.ToString(leave),
        ];
        Assert.NotEmpty(fixture.Server.Logs.Lines);
        foreach (string line in fixture.Server.Logs.Lines)
        {
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret[..24], line, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
