using System.Security.Cryptography;

namespace Conclave.Grains.Tests;

/// <summary>Persistent grains keep their state across deactivation (file storage shared by both silos).</summary>
[Collection(ClusterCollection.Name)]
public sealed class PersistenceTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task RoomStateSurvivesDeactivation()
    {
        string owner = TestIds.New("owner"), member = TestIds.New("member");
        string name = await TestRooms.CreateAsync(Client, owner, (member, RoomRole.Host));
        var room = Client.GetGrain<IRoomGrain>(name);
        Assert.Equal(RoomStatus.Ok, (await room.SetLockedAsync(true)).Status);
        var before = (await room.GetAsync()).Room!;

        await DeactivateAsync(room);

        var after = await room.GetAsync();
        Assert.Equal(RoomStatus.Ok, after.Status);
        Assert.Equal(before.Name, after.Room!.Name);
        Assert.Equal(owner, after.Room.OwnerUserId);
        Assert.True(after.Room.Locked);
        Assert.Equal(before.CreatedAt, after.Room.CreatedAt);
        Assert.Equal(before.Members, after.Room.Members);
        Assert.Equal(RoomRole.Host, (await room.CheckJoinAsync(member)).Role);
    }

    [Fact]
    public async Task UserStateSurvivesDeactivation()
    {
        var user = Client.GetGrain<IUserGrain>(TestIds.New("user"));
        byte[] keys = RandomNumberGenerator.GetBytes(1500);
        await user.SetDisplayNameAsync("Ada Lovelace");
        await user.RegisterDeviceAsync("laptop", keys);

        await DeactivateAsync(user);

        var profile = await user.GetAsync();
        Assert.True(profile.Exists);
        Assert.Equal("Ada Lovelace", profile.DisplayName);
        Assert.Equal(keys, profile.Devices["laptop"]);
        Assert.Equal(keys, await user.GetDeviceKeysAsync("laptop"));
        Assert.Empty(await user.GetDeviceKeysAsync("phone"));
    }

    [Fact]
    public async Task TokenIssuerKeepsItsKeyAndAdminClaimAcrossDeactivation()
    {
        var issuer = Client.GetGrain<ITokenIssuerGrain>(TestIds.New("issuer"));
        byte[] key = await issuer.GetOrCreateSigningKeyAsync();
        Assert.True(await issuer.TryClaimAdminCredentialAsync());
        Assert.False(await issuer.TryClaimAdminCredentialAsync());

        await DeactivateAsync(issuer);

        Assert.Equal(key, await issuer.GetOrCreateSigningKeyAsync());
        Assert.False(await issuer.TryClaimAdminCredentialAsync());
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(key, out _);
        Assert.Equal(256, ecdsa.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, ecdsa.ExportParameters(false).Curve.Oid.Value);
    }

    [Fact]
    public async Task RegisteringADeviceCreatesAnUnnamedUser()
    {
        // Users who never redeemed an invitation (the admin, external sign-in) still register device keys.
        var user = Client.GetGrain<IUserGrain>(TestIds.New("external"));

        var profile = await user.RegisterDeviceAsync("laptop", [1, 2, 3]);

        Assert.True(profile.Exists);
        Assert.Equal("", profile.DisplayName);
        Assert.Equal([1, 2, 3], await user.GetDeviceKeysAsync("laptop"));
        Assert.Equal("Named Later", (await user.SetDisplayNameAsync("Named Later")).DisplayName);
        Assert.Equal([1, 2, 3], (await user.GetAsync()).Devices["laptop"]);
    }

    [Fact]
    public async Task UnknownUserDoesNotExist()
    {
        var profile = await Client.GetGrain<IUserGrain>(TestIds.New("nobody")).GetAsync();
        Assert.False(profile.Exists);
        Assert.Empty(profile.Devices);
    }

    [Fact]
    public async Task UserLimitsAreEnforced()
    {
        var user = Client.GetGrain<IUserGrain>(TestIds.New("user"));
        await user.SetDisplayNameAsync("Grace");
        await Assert.ThrowsAsync<ArgumentException>(() => user.RegisterDeviceAsync("laptop", new byte[UserLimits.MaxDevicePublicKeysBytes + 1]));
        await Assert.ThrowsAsync<ArgumentException>(() => user.RegisterDeviceAsync("laptop", []));
        await Assert.ThrowsAsync<ArgumentException>(() => user.SetDisplayNameAsync("bad\nname"));
        for (int i = 0; i < UserLimits.MaxDevices; i++) await user.RegisterDeviceAsync($"device-{i}", [(byte)i]);
        await Assert.ThrowsAsync<ArgumentException>(() => user.RegisterDeviceAsync("one-too-many", [1]));
        await user.RegisterDeviceAsync("device-0", [42]); // replacing stays within the limit
        Assert.Equal([42], await user.GetDeviceKeysAsync("device-0"));
    }

    private async Task DeactivateAsync(IAddressable grain)
    {
        Assert.True(fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _), "the grain should be active before deactivation");
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.False(fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _), "the grain should be gone after deactivation");
    }
}
