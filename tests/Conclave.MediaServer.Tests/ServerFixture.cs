using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>One real server shared by the tests of a collection; each test uses its own rooms and users.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Conclave:Signaling:HelloTimeout"] = "00:00:02",
    });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>An API client with the admin credential.</summary>
    public ConclaveApiClient Admin() => ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);

    /// <summary>A new room with a unique name.</summary>
    public async Task<string> CreateRoomAsync()
    {
        string name = "room-" + Guid.NewGuid().ToString("N")[..12];
        using ConclaveApiClient admin = Admin();
        await admin.CreateRoomAsync(new CreateRoomRequest(name), Deadline.Token);
        return name;
    }

    /// <summary>Invites <paramref name="displayName"/> into <paramref name="room"/> and redeems the invitation.</summary>
    public async Task<RedeemResponse> InviteAsync(string room, string displayName, string role = "member")
    {
        using ConclaveApiClient admin = Admin();
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(displayName, role), Deadline.Token);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(Server.BaseAddress);
        return await anonymous.RedeemInvitationAsync(new Uri(invitation.Url), Deadline.Token);
    }

    /// <summary>A connected, authenticated signaling client.</summary>
    public async Task<SignalingClient> ConnectAsync(string token, bool heartbeat = true, ResumeRequest? resume = null)
    {
        var client = new SignalingClient(new SignalingClientOptions { EnableHeartbeat = heartbeat });
        await client.ConnectAsync(Server.BaseAddress, token, resume, Deadline.Token);
        return client;
    }

    /// <summary>An invited user, connected and in <paramref name="room"/>.</summary>
    public async Task<(SignalingClient Client, JoinedMessage Joined)> JoinAsync(string room, string displayName, bool heartbeat = true)
    {
        RedeemResponse user = await InviteAsync(room, displayName);
        SignalingClient client = await ConnectAsync(user.Token, heartbeat);
        return (client, await client.JoinAsync(room, Deadline.Token));
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>Generous deadlines for waits on conditions (never fixed sleeps).</summary>
public static class Deadline
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>A token that fires after <see cref="Default"/> or when the test is cancelled.</summary>
    public static CancellationToken Token => After(Default);

    /// <summary>A token that fires after <paramref name="limit"/> or when the test is cancelled.</summary>
    public static CancellationToken After(TimeSpan limit)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(limit);
        return source.Token;
    }
}
