using System.Security.Cryptography;
using System.Text;

namespace Conclave.Grains.Tests;

/// <summary>Invitations are single use, expire, and grant exactly what they say.</summary>
[Collection(ClusterCollection.Name)]
public sealed class InvitationTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task RedeemOnceCreatesUserAndMembershipThenAlreadyUsed()
    {
        string owner = TestIds.New("owner"), newUser = TestIds.New("invited");
        string room = await TestRooms.CreateAsync(Client, owner);
        var invitation = new Invitation(room, "Invited Host", RoomRole.Host, DateTimeOffset.UtcNow.AddHours(1), owner);
        var grain = Client.GetGrain<IInvitationGrain>(NewKey());
        Assert.True(await grain.CreateAsync(invitation));
        Assert.False(await grain.CreateAsync(invitation with { Role = RoomRole.Member }));

        var result = await grain.RedeemAsync(newUser);

        Assert.Equal(RedeemStatus.Ok, result.Status);
        Assert.Equal(newUser, result.UserId);
        Assert.Equal(invitation, result.Invitation);
        var profile = await Client.GetGrain<IUserGrain>(newUser).GetAsync();
        Assert.True(profile.Exists);
        Assert.Equal("Invited Host", profile.DisplayName);
        Assert.Equal(new JoinDecision(RoomStatus.Ok, RoomRole.Host), await Client.GetGrain<IRoomGrain>(room).CheckJoinAsync(newUser));

        Assert.Equal(RedeemStatus.AlreadyUsed, (await grain.RedeemAsync(TestIds.New("second"))).Status);
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(RedeemStatus.AlreadyUsed, (await grain.RedeemAsync(TestIds.New("third"))).Status);
    }

    [Fact]
    public async Task ExpiredInvitationIsRefused()
    {
        string owner = TestIds.New("owner"), newUser = TestIds.New("late");
        string room = await TestRooms.CreateAsync(Client, owner);
        var grain = Client.GetGrain<IInvitationGrain>(NewKey());
        Assert.True(await grain.CreateAsync(new Invitation(room, "Late", RoomRole.Member, DateTimeOffset.UtcNow.AddMinutes(-1), owner)));

        Assert.Equal(RedeemStatus.Expired, (await grain.RedeemAsync(newUser)).Status);
        Assert.False((await Client.GetGrain<IUserGrain>(newUser).GetAsync()).Exists);
        Assert.Equal(RoomStatus.NotMember, (await Client.GetGrain<IRoomGrain>(room).CheckJoinAsync(newUser)).Status);
    }

    [Fact]
    public async Task UnknownInvitationIsNotFound()
    {
        var result = await Client.GetGrain<IInvitationGrain>(NewKey()).RedeemAsync(TestIds.New("user"));

        Assert.Equal(RedeemStatus.NotFound, result.Status);
        Assert.Null(result.Invitation);
    }

    [Fact]
    public async Task InvitationToMissingRoomIsRoomGone()
    {
        string newUser = TestIds.New("user");
        var grain = Client.GetGrain<IInvitationGrain>(NewKey());
        Assert.True(await grain.CreateAsync(new Invitation(TestIds.New("gone"), "Someone", RoomRole.Member, DateTimeOffset.UtcNow.AddHours(1), TestIds.New("owner"))));

        Assert.Equal(RedeemStatus.RoomGone, (await grain.RedeemAsync(newUser)).Status);
        Assert.False((await Client.GetGrain<IUserGrain>(newUser).GetAsync()).Exists);
    }

    [Fact]
    public async Task ConcurrentRedeemsSucceedExactlyOnce()
    {
        string owner = TestIds.New("owner");
        string room = await TestRooms.CreateAsync(Client, owner);
        var grain = Client.GetGrain<IInvitationGrain>(NewKey());
        Assert.True(await grain.CreateAsync(new Invitation(room, "Racer", RoomRole.Member, DateTimeOffset.UtcNow.AddHours(1), owner)));
        string[] users = Enumerable.Range(0, 16).Select(i => TestIds.New($"racer{i}")).ToArray();

        var results = await Task.WhenAll(users.Select(u => grain.RedeemAsync(u)));

        var winner = Assert.Single(results, r => r.Status == RedeemStatus.Ok);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(RedeemStatus.AlreadyUsed, r.Status));
        var members = (await Client.GetGrain<IRoomGrain>(room).GetAsync()).Room!.Members.Select(m => m.UserId).ToArray();
        Assert.Equal([owner, winner.UserId!], members);
    }

    [Fact]
    public async Task InvitationMustBeKeyedByCodeHashAndGrantLessThanOwner()
    {
        var invitation = new Invitation(TestIds.New("room"), "Someone", RoomRole.Member, DateTimeOffset.UtcNow.AddHours(1), TestIds.New("owner"));

        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IInvitationGrain>("raw-secret-code").CreateAsync(invitation));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IInvitationGrain>(NewKey().ToUpperInvariant()).CreateAsync(invitation));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IInvitationGrain>(NewKey()).CreateAsync(invitation with { Role = RoomRole.Owner }));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IInvitationGrain>(NewKey()).CreateAsync(invitation with { DisplayName = "" }));
    }

    /// <summary>What the host does: the grain key is the SHA-256 hex of a fresh random code.</summary>
    private static string NewKey() =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)))));
}
