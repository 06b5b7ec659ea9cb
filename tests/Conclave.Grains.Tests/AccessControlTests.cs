namespace Conclave.Grains.Tests;

/// <summary>The room's membership and lock decide who may join its call.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AccessControlTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task NonMemberIsRefused()
    {
        string owner = TestIds.New("owner"), stranger = TestIds.New("stranger");
        string room = await TestRooms.CreateAsync(Client, owner);

        Assert.Equal(RoomStatus.NotMember, (await Client.GetGrain<IRoomGrain>(room).CheckJoinAsync(stranger)).Status);

        var session = await TestSession.OpenAsync(Client, stranger, "Stranger");
        var join = await session.Grain.JoinAsync(room, "media-a");
        Assert.Equal(RoomStatus.NotMember, join.Status);
        Assert.Null(join.Call);
        Assert.Empty((await Client.GetGrain<ICallGrain>(room).GetSnapshotAsync()).Participants);
        await session.Grain.CloseAsync(null);
    }

    [Fact]
    public async Task LockedRoomAdmitsOnlyHostsAndOwner()
    {
        string owner = TestIds.New("owner"), host = TestIds.New("host"), member = TestIds.New("member");
        string name = await TestRooms.CreateAsync(Client, owner, (host, RoomRole.Host), (member, RoomRole.Member));
        var room = Client.GetGrain<IRoomGrain>(name);
        Assert.Equal(RoomStatus.Ok, (await room.CheckJoinAsync(member)).Status);

        Assert.Equal(RoomStatus.Ok, (await room.SetLockedAsync(true)).Status);

        Assert.Equal(new JoinDecision(RoomStatus.Locked, RoomRole.Member), await room.CheckJoinAsync(member));
        Assert.Equal(new JoinDecision(RoomStatus.Ok, RoomRole.Host), await room.CheckJoinAsync(host));
        Assert.Equal(new JoinDecision(RoomStatus.Ok, RoomRole.Owner), await room.CheckJoinAsync(owner));
        var session = await TestSession.OpenAsync(Client, member, "Member");
        Assert.Equal(RoomStatus.Locked, (await session.Grain.JoinAsync(name, "media-a")).Status);

        Assert.Equal(RoomStatus.Ok, (await room.SetLockedAsync(false)).Status);
        Assert.Equal(RoomStatus.Ok, (await room.CheckJoinAsync(member)).Status);
        await session.Grain.CloseAsync(null);
    }

    [Fact]
    public async Task UnknownRoomIsNotFound()
    {
        var room = Client.GetGrain<IRoomGrain>(TestIds.New("no-room"));

        Assert.Equal(RoomStatus.NotFound, (await room.CheckJoinAsync(TestIds.New("user"))).Status);
        Assert.Equal(RoomStatus.NotFound, (await room.GetAsync()).Status);
        Assert.Equal(RoomStatus.NotFound, (await room.AddMemberAsync(TestIds.New("user"), RoomRole.Member)).Status);
        Assert.Equal(RoomStatus.NotFound, (await room.SetLockedAsync(true)).Status);
    }

    [Fact]
    public async Task OwnerCannotBeRemovedOrDemoted()
    {
        string owner = TestIds.New("owner"), member = TestIds.New("member");
        string name = await TestRooms.CreateAsync(Client, owner, (member, RoomRole.Member));
        var room = Client.GetGrain<IRoomGrain>(name);

        Assert.Equal(RoomStatus.AlreadyExists, (await room.CreateAsync(member)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.RemoveMemberAsync(owner)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.AddMemberAsync(owner, RoomRole.Host)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.AddMemberAsync(member, RoomRole.Owner)).Status);
        Assert.Equal(RoomStatus.Ok, (await room.AddMemberAsync(member, RoomRole.Host)).Status);
        Assert.Equal(RoomRole.Host, (await room.CheckJoinAsync(member)).Role);
        Assert.Equal(RoomStatus.Ok, (await room.RemoveMemberAsync(member)).Status);
        Assert.Equal(RoomStatus.NotMember, (await room.RemoveMemberAsync(member)).Status);
        Assert.Equal(RoomStatus.NotMember, (await room.CheckJoinAsync(member)).Status);
        var info = (await room.GetAsync()).Room!;
        Assert.Equal(owner, info.OwnerUserId);
        Assert.Equal(RoomRole.Owner, Assert.Single(info.Members).Role);
    }

    [Fact]
    public async Task InvalidInputIsRejected()
    {
        string owner = TestIds.New("owner");
        string name = await TestRooms.CreateAsync(Client, owner);
        var room = Client.GetGrain<IRoomGrain>(name);

        Assert.Equal(RoomStatus.InvalidArgument, (await Client.GetGrain<IRoomGrain>(TestIds.New("room")).CreateAsync("")).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await Client.GetGrain<IRoomGrain>(new string('r', 129)).CreateAsync(owner)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.AddMemberAsync(new string('u', 129), RoomRole.Member)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.AddMemberAsync("tab\tuser", RoomRole.Member)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.AddMemberAsync(TestIds.New("user"), (RoomRole)42)).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.CheckJoinAsync(" ")).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await room.RemoveMemberAsync("")).Status);

        var session = await TestSession.OpenAsync(Client, owner, "Owner");
        Assert.Equal(RoomStatus.InvalidArgument, (await session.Grain.JoinAsync(name, "")).Status);
        Assert.Equal(RoomStatus.InvalidArgument, (await session.Grain.JoinAsync("", "media-a")).Status);
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<ISessionGrain>(TestIds.New("s")).OpenAsync(
            new SessionIdentity(owner, "device", "evil\u202Ename"), session.Observer.Reference));
        await session.Grain.CloseAsync(null);
    }
}
