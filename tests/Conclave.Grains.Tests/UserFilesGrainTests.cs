namespace Conclave.Grains.Tests;

/// <summary>A user's file index: quota reservations, owned and received lists, and their bounds.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UserFilesGrainTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ASecondReservationBeyondTheQuotaIsRefused()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string first = TestFiles.NewId(), second = TestFiles.NewId();

        Assert.True(await user.ReserveAsync(first, 60, 100));
        Assert.False(await user.ReserveAsync(second, 50, 100));
        Assert.True(await user.ReserveAsync(second, 40, 100)); // exactly the quota

        var files = await user.ListAsync();
        Assert.Equal([first, second], files.Owned);
        Assert.Equal(100, files.ReservedBytes);
        Assert.False(await user.ReserveAsync(TestFiles.NewId(), 1, 100));
        Assert.True(await user.ReserveAsync(TestFiles.NewId(), 0, 100));
    }

    [Fact]
    public async Task ConcurrentReservationsCannotBothTakeTheLastRoom()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string[] ids = Enumerable.Range(0, 8).Select(_ => TestFiles.NewId()).ToArray();

        bool[] granted = await Task.WhenAll(ids.Select(id => user.ReserveAsync(id, 60, 100)));

        Assert.Single(granted, g => g);
        Assert.Equal(60, (await user.ListAsync()).ReservedBytes);
    }

    [Fact]
    public async Task ReservingAnIdAgainReplacesItsReservation()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string file = TestFiles.NewId(), other = TestFiles.NewId();
        Assert.True(await user.ReserveAsync(file, 60, 100));
        Assert.True(await user.ReserveAsync(other, 10, 100));

        Assert.True(await user.ReserveAsync(file, 90, 100));
        Assert.Equal(100, (await user.ListAsync()).ReservedBytes);
        Assert.False(await user.ReserveAsync(file, 91, 100)); // refused: the old reservation stays
        Assert.Equal(100, (await user.ListAsync()).ReservedBytes);
        Assert.True(await user.ReserveAsync(file, 5, 100));

        var files = await user.ListAsync();
        Assert.Equal([file, other], files.Owned);
        Assert.Equal(15, files.ReservedBytes);
    }

    [Fact]
    public async Task ReleaseFreesTheReservation()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string file = TestFiles.NewId(), other = TestFiles.NewId();
        Assert.True(await user.ReserveAsync(file, 70, 100));
        Assert.True(await user.ReserveAsync(other, 30, 100));

        await user.ReleaseAsync(file);
        await user.ReleaseAsync(TestFiles.NewId()); // not owned: nothing happens

        var files = await user.ListAsync();
        Assert.Equal([other], files.Owned);
        Assert.Equal(30, files.ReservedBytes);
        Assert.True(await user.ReserveAsync(TestFiles.NewId(), 70, 100));
    }

    [Fact]
    public async Task OwnedFilesAreBounded()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string[] ids = Enumerable.Range(0, FileLimits.MaxOwnedFiles).Select(_ => TestFiles.NewId()).ToArray();
        foreach (string id in ids) Assert.True(await user.ReserveAsync(id, 1, TestFiles.LargeQuota));

        Assert.False(await user.ReserveAsync(TestFiles.NewId(), 1, TestFiles.LargeQuota));
        Assert.True(await user.ReserveAsync(ids[0], 2, TestFiles.LargeQuota)); // replacing stays within the bound

        var files = await user.ListAsync();
        Assert.Equal(ids, files.Owned);
        Assert.Equal(FileLimits.MaxOwnedFiles + 1, files.ReservedBytes);
    }

    [Fact]
    public async Task ReceivedFilesAreListedOnceAndTheOldestDropBeyondTheBound()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string[] ids = Enumerable.Range(0, FileLimits.MaxReceivedFiles + 2).Select(_ => TestFiles.NewId()).ToArray();

        await user.AddReceivedAsync(ids[0]);
        await user.AddReceivedAsync(ids[0]);
        Assert.Equal([ids[0]], (await user.ListAsync()).Received);
        await user.RemoveReceivedAsync(ids[0]);
        await user.RemoveReceivedAsync(ids[1]); // not listed: nothing happens
        Assert.Empty((await user.ListAsync()).Received);

        foreach (string id in ids) await user.AddReceivedAsync(id);

        var files = await user.ListAsync();
        Assert.Equal(ids[2..], files.Received);
        Assert.Empty(files.Owned);
        Assert.Equal(0, files.ReservedBytes);
    }

    [Fact]
    public async Task BadArgumentsThrow()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        await Assert.ThrowsAsync<ArgumentException>(() => user.ReserveAsync("bad id", 1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => user.ReserveAsync(TestFiles.NewId(), -1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => user.ReserveAsync(TestFiles.NewId(), 1, -10));
        await Assert.ThrowsAsync<ArgumentException>(() => user.AddReceivedAsync(new string('f', FileLimits.MaxFileIdChars + 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => user.ReleaseAsync("../etc"));
        await Assert.ThrowsAsync<ArgumentException>(() => user.RemoveReceivedAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => Client.GetGrain<IUserFilesGrain>(" padded ").ReserveAsync(TestFiles.NewId(), 1, 10));

        var files = await user.ListAsync();
        Assert.Empty(files.Owned);
        Assert.Empty(files.Received);
    }

    [Fact]
    public async Task StateSurvivesDeactivation()
    {
        var user = Client.GetGrain<IUserFilesGrain>(TestIds.New("user"));
        string owned = TestFiles.NewId(), received = TestFiles.NewId();
        Assert.True(await user.ReserveAsync(owned, 42, 100));
        await user.AddReceivedAsync(received);

        Assert.True(fixture.Cluster.TryGetGrainContext(user.GetGrainId(), out _));
        await fixture.Cluster.DeactivateAsync(user);
        Assert.False(fixture.Cluster.TryGetGrainContext(user.GetGrainId(), out _));

        var files = await user.ListAsync();
        Assert.Equal([owned], files.Owned);
        Assert.Equal([received], files.Received);
        Assert.Equal(42, files.ReservedBytes);
        Assert.False(await user.ReserveAsync(TestFiles.NewId(), 59, 100));
    }
}
