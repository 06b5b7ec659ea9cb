namespace Conclave.Grains.Tests;

/// <summary>
/// Files and uploads expire at the time they were given (short ones here, as in <see cref="ExpiryTests"/>): from then
/// on they answer <see cref="FileStatus.NotFound"/>, and the host's sweep (index, then purge) removes them everywhere.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FileExpiryTests(ClusterFixture fixture)
{
    /// <summary>Long enough to set a file up before it expires on a slow machine, short enough for a quick test.</summary>
    private static readonly TimeSpan ShortLife = TimeSpan.FromSeconds(2);

    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task AnUploadNotCompletedInTimeExpiresAndIsPurged()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        var expires = DateTimeOffset.UtcNow + ShortLife;
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10, uploadExpires: expires);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 4)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);
        Assert.Equal(FileStatus.NotFound, (await file.PurgeIfExpiredAsync()).Status); // not yet
        Assert.Equal(FileStatus.Ok, (await file.GetAsync(alice)).Status);

        await Wait.UntilAsync(async () => (await file.GetAsync(owner)).Status == FileStatus.NotFound, "the upload has expired");

        Assert.Equal(FileStatus.NotFound, (await file.GetAsync(alice)).Status);
        Assert.Equal(FileStatus.NotFound, (await file.AppendBlocksAsync(owner, 4, [new StagedBlock("b1", 6)])).Status);
        Assert.Equal(FileStatus.NotFound, (await file.CompleteAsync(owner, DateTimeOffset.UtcNow.AddDays(1))).Status);
        Assert.Equal(FileStatus.NotFound, (await file.AddKeysAsync(owner, [TestFiles.Key(TestIds.New("bob"))])).Status);
        Assert.Equal(FileStatus.NotFound, (await file.DeleteAsync(owner)).Status); // the sweep removes it, and the blob with it
        Assert.Equal(FileStatus.AlreadyExists, (await file.CreateAsync(owner, 10, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(10, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes); // until purged

        var purged = await file.PurgeIfExpiredAsync();

        Assert.Equal(FileStatus.Ok, purged.Status);
        Assert.Equal((fileId, owner, 4L, false), (purged.File!.FileId, purged.File.OwnerUserId, purged.File.Offset, purged.File.Complete));
        Assert.Equal([new StagedBlock("b0", 4)], purged.File.Blocks);
        await AssertGoneEverywhereAsync(fileId, owner, alice);
        Assert.Equal(FileStatus.NotFound, (await file.PurgeIfExpiredAsync()).Status);
        Assert.Equal(FileStatus.Ok, (await file.CreateAsync(owner, 10, TestFiles.InADay, TestFiles.LargeQuota)).Status); // the id is free
    }

    [Fact]
    public async Task ACompletedFileExpiresAtItsOwnExpiry()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 10)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.CompleteAsync(owner, DateTimeOffset.UtcNow + ShortLife)).Status);
        Assert.Equal(FileStatus.Ok, (await file.AuthorizeDownloadAsync(alice, null)).Status);

        await Wait.UntilAsync(async () => (await file.GetAsync(alice)).Status == FileStatus.NotFound, "the file has expired");

        Assert.Equal(FileStatus.NotFound, (await file.GetAsync(owner)).Status);
        Assert.Equal(FileStatus.NotFound, (await file.AuthorizeDownloadAsync(alice, null)).Status);
        var purged = await file.PurgeIfExpiredAsync();
        Assert.Equal(FileStatus.Ok, purged.Status);
        Assert.True(purged.File!.Complete);
        Assert.Single(purged.File.Downloads);
        await AssertGoneEverywhereAsync(fileId, owner, alice);
    }

    [Fact]
    public async Task TheSweepFindsExpiredFilesInTheIndexAndPurgesThem()
    {
        // What the host's sweeper does (IFileExpiryIndexGrain's remarks), for the shards of three files.
        string owner = TestIds.New("owner");
        string expiring = await TestFiles.CreateAsync(Client, owner, length: 10, uploadExpires: DateTimeOffset.UtcNow + ShortLife);
        string completed = await TestFiles.UploadAsync(Client, owner, length: 10, expires: DateTimeOffset.UtcNow + ShortLife);
        string living = await TestFiles.UploadAsync(Client, owner, length: 10);
        await Wait.UntilAsync(async () => (await Client.GetGrain<IFileGrain>(completed).GetAsync(owner)).Status == FileStatus.NotFound
            && (await Client.GetGrain<IFileGrain>(expiring).GetAsync(owner)).Status == FileStatus.NotFound, "both files have expired");

        var deletedBlobs = new List<string>();
        foreach (string shard in new[] { expiring, completed, living }.Select(FileExpiryShards.KeyOf).Distinct())
        {
            foreach (var due in await Client.GetGrain<IFileExpiryIndexGrain>(shard).DueAsync(DateTimeOffset.UtcNow, FileExpiryShards.MaxDue))
            {
                var purged = await Client.GetGrain<IFileGrain>(due.FileId).PurgeIfExpiredAsync();
                if (purged.Status == FileStatus.Ok) deletedBlobs.Add(due.FileId);
            }
        }

        Assert.Contains(expiring, deletedBlobs);
        Assert.Contains(completed, deletedBlobs);
        Assert.DoesNotContain(living, deletedBlobs);
        var files = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.Equal([living], files.Owned);
        Assert.Equal(10, files.ReservedBytes);
        Assert.Null(await TestFiles.IndexEntryAsync(Client, expiring));
        Assert.Null(await TestFiles.IndexEntryAsync(Client, completed));
        Assert.NotNull(await TestFiles.IndexEntryAsync(Client, living));
    }

    private async Task AssertGoneEverywhereAsync(string fileId, string owner, string recipient)
    {
        var owners = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.DoesNotContain(fileId, owners.Owned);
        Assert.Equal(0, owners.ReservedBytes);
        Assert.DoesNotContain(fileId, (await Client.GetGrain<IUserFilesGrain>(recipient).ListAsync()).Received);
        Assert.Null(await TestFiles.IndexEntryAsync(Client, fileId));
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(fileId).GetAsync(owner)).Status);
    }
}
