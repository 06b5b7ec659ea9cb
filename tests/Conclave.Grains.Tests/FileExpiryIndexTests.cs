namespace Conclave.Grains.Tests;

/// <summary>The expiry index: its shard function, its entries, and how the file grains keep it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FileExpiryIndexTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IClusterClient Client => fixture.Client;

    /// <summary>An index grain of its own (not a shard the file grains use), so other tests' files do not show.</summary>
    private IFileExpiryIndexGrain PrivateIndex() => Client.GetGrain<IFileExpiryIndexGrain>(TestIds.New("index"));

    [Fact]
    public async Task DueListsEntriesUpToNowEarliestFirst()
    {
        var index = PrivateIndex();
        Assert.True(await index.AddAsync("c", T0.AddMinutes(3)));
        Assert.True(await index.AddAsync("a", T0.AddMinutes(1)));
        Assert.True(await index.AddAsync("b", T0.AddMinutes(2)));
        Assert.True(await index.AddAsync("b2", T0.AddMinutes(2)));

        Assert.Empty(await index.DueAsync(T0, 10));
        Assert.Equal([new FileExpiry("a", T0.AddMinutes(1)), new FileExpiry("b", T0.AddMinutes(2)), new FileExpiry("b2", T0.AddMinutes(2))], await index.DueAsync(T0.AddMinutes(2), 10));
        Assert.Equal([new FileExpiry("a", T0.AddMinutes(1)), new FileExpiry("b", T0.AddMinutes(2))], await index.DueAsync(T0.AddHours(1), 2));

        Assert.True(await index.AddAsync("a", T0.AddMinutes(5))); // moved later
        await index.RemoveAsync("b");
        await index.RemoveAsync("unknown");

        Assert.Equal(["b2", "c", "a"], (await index.DueAsync(T0.AddHours(1), 10)).Select(e => e.FileId));
        Assert.Equal(["b2"], (await index.DueAsync(T0.AddMinutes(2), 10)).Select(e => e.FileId)); // reading removed nothing
    }

    [Fact]
    public async Task BadArgumentsThrow()
    {
        var index = PrivateIndex();
        await Assert.ThrowsAsync<ArgumentException>(() => index.AddAsync("bad id", T0));
        await Assert.ThrowsAsync<ArgumentException>(() => index.RemoveAsync(new string('f', FileLimits.MaxFileIdChars + 1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.DueAsync(T0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.DueAsync(T0, FileExpiryShards.MaxDue + 1));
    }

    [Fact]
    public async Task EntriesSurviveDeactivation()
    {
        var index = PrivateIndex();
        Assert.True(await index.AddAsync("kept", T0));
        Assert.True(await index.AddAsync("removed", T0));
        await index.RemoveAsync("removed");

        await fixture.Cluster.DeactivateAsync(index);

        Assert.Equal([new FileExpiry("kept", T0)], await index.DueAsync(T0, 10));
    }

    [Fact]
    public void ShardsAreStableAndCoverEveryKey()
    {
        // Pinned: the shard of an id must never change, or stored entries would be looked for in the wrong shard.
        Assert.Equal(5, FileExpiryShards.ShardOf(""));   // the FNV-1a offset basis 0x811C9DC5 % 64
        Assert.Equal(44, FileExpiryShards.ShardOf("a")); // 0xE40C292C % 64
        Assert.Equal("44", FileExpiryShards.KeyOf("a"));

        var keys = Enumerable.Range(0, FileExpiryShards.Count).Select(FileExpiryShards.Key).ToHashSet();
        Assert.Equal(FileExpiryShards.Count, keys.Count);
        var used = Enumerable.Range(0, 10_000).Select(_ => FileExpiryShards.KeyOf(TestFiles.NewId())).ToHashSet();
        Assert.Subset(keys, used);
        Assert.Equal(FileExpiryShards.Count, used.Count); // 10,000 random ids reach every shard
        Assert.Throws<ArgumentOutOfRangeException>(() => FileExpiryShards.Key(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FileExpiryShards.Key(FileExpiryShards.Count));
    }

    [Fact]
    public async Task TheFileGrainKeepsItsEntryThroughItsLife()
    {
        string owner = TestIds.New("owner");
        var uploadExpires = TestFiles.InADay;
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 4, uploadExpires: uploadExpires);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(new FileExpiry(fileId, uploadExpires), await TestFiles.IndexEntryAsync(Client, fileId));

        var expires = DateTimeOffset.UtcNow.AddDays(30);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 4)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.CompleteAsync(owner, expires)).Status);
        Assert.Equal(new FileExpiry(fileId, expires), await TestFiles.IndexEntryAsync(Client, fileId));

        Assert.Equal(FileStatus.Ok, (await file.DeleteAsync(owner)).Status);
        Assert.Null(await TestFiles.IndexEntryAsync(Client, fileId));
    }

    [Fact]
    public async Task PurgeRepairsEntriesThatAreEarlyOrNameNoFile()
    {
        string owner = TestIds.New("owner");
        string fileId = await TestFiles.UploadAsync(Client, owner);
        var expires = (await Client.GetGrain<IFileGrain>(fileId).GetAsync(owner)).File!.Expires;
        var shard = Client.GetGrain<IFileExpiryIndexGrain>(FileExpiryShards.KeyOf(fileId));
        string ghost = TestFiles.NewId();
        var ghostShard = Client.GetGrain<IFileExpiryIndexGrain>(FileExpiryShards.KeyOf(ghost));
        // What lost updates leave behind: a live file listed as already due, and an entry for a file never stored.
        Assert.True(await shard.AddAsync(fileId, DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.True(await ghostShard.AddAsync(ghost, DateTimeOffset.UtcNow.AddDays(-1)));

        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(fileId).PurgeIfExpiredAsync()).Status);
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(ghost).PurgeIfExpiredAsync()).Status);

        Assert.Equal(new FileExpiry(fileId, expires), await TestFiles.IndexEntryAsync(Client, fileId));
        Assert.Null(await TestFiles.IndexEntryAsync(Client, ghost));
        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(fileId).GetAsync(owner)).Status);
    }
}
