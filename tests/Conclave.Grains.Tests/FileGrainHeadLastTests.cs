namespace Conclave.Grains.Tests;

/// <summary>
/// The file grain's side of an upload sent "head last" (docs/files.md, "Head last"; <see cref="IFileGrain.CreateAsync"/>):
/// the client sends bytes [n, length) first and the file's first n bytes after them, so the head starts at upload offset
/// <c>headStart = length - n</c>. The grain takes an n from 0 to length - 1, refuses any block that straddles headStart
/// (it could not be committed in file order), counts <see cref="FileView.Offset"/> in upload order and lists
/// <see cref="FileView.Blocks"/> in file order: the blocks recorded at or after headStart first, then the others.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FileGrainHeadLastTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    private static readonly StagedBlock Body0 = new("body0", 50), Body1 = new("body1", 20), Head0 = new("head0", 10), Head1 = new("head1", 20);

    [Fact]
    public async Task CreateTakesAHeadLastFromZeroToBelowTheLength()
    {
        string owner = TestIds.New("owner");
        foreach (long bad in new[] { -1L, 100, 101, long.MaxValue })
        {
            var file = Client.GetGrain<IFileGrain>(TestFiles.NewId());
            Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(owner, 100, TestFiles.InADay, TestFiles.LargeQuota, bad)).Status);
            Assert.Equal(FileStatus.NotFound, (await file.GetAsync(owner)).Status);
        }
        Assert.Equal(0, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes);

        foreach (long good in new[] { 0L, 1, 99 })
        {
            var file = Client.GetGrain<IFileGrain>(TestFiles.NewId());
            var created = await file.CreateAsync(owner, 100, TestFiles.InADay, TestFiles.LargeQuota, good);
            Assert.Equal(FileStatus.Ok, created.Status);
            Assert.Equal(good, created.File!.HeadLast);
            Assert.Equal(good, (await file.GetAsync(owner)).File!.HeadLast);
        }
        Assert.Equal(300, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes);
        Assert.Equal(0, (await Client.GetGrain<IFileGrain>(await TestFiles.CreateAsync(Client, owner)).GetAsync(owner)).File!.HeadLast);
    }

    [Fact]
    public async Task TheBlocksOfAHeadSentLastAreListedFirst()
    {
        string owner = TestIds.New("owner");
        var file = await CreateAsync(owner, headLast: 30);                                      // headStart 70

        Assert.Equal([Body0], await AppendAsync(file, owner, 0, Body0));                       // no head yet: upload order
        Assert.Equal([Body0, Body1], await AppendAsync(file, owner, 50, Body1));
        Assert.Equal([Head0, Body0, Body1], await AppendAsync(file, owner, 70, Head0));
        Assert.Equal([Head0, Head1, Body0, Body1], await AppendAsync(file, owner, 80, Head1));

        var view = (await file.GetAsync(owner)).File!;
        Assert.Equal((100L, 30L), (view.Offset, view.HeadLast));
        Assert.Equal([Head0, Head1, Body0, Body1], view.Blocks);
        await CompleteAsync(file, owner);
    }

    [Fact]
    public async Task WithoutAHeadLastTheBlocksStayInUploadOrder()
    {
        string owner = TestIds.New("owner");
        var file = await CreateAsync(owner, headLast: 0);

        Assert.Equal([Body0, Body1], await AppendAsync(file, owner, 0, Body0, Body1));
        Assert.Equal([Body0, Body1, Head0, Head1], await AppendAsync(file, owner, 70, Head0, Head1));
        await CompleteAsync(file, owner);
    }

    [Fact]
    public async Task BodyAndHeadBlocksRecordedInOneCallAreListedInFileOrder()
    {
        string owner = TestIds.New("owner");
        var file = await CreateAsync(owner, headLast: 30);

        Assert.Equal([Head0, Head1, Body0, Body1], await AppendAsync(file, owner, 0, Body0, Body1, Head0, Head1));
        await CompleteAsync(file, owner);
    }

    [Fact]
    public async Task ABlockThatStraddlesTheHeadIsRefusedAndOneEndingThereAccepted()
    {
        string owner = TestIds.New("owner");
        var file = await CreateAsync(owner, headLast: 30);                                      // headStart 70
        StagedBlock first = new("b0", 40), second = new("b1", 20), third = new("b2", 10), head = new("h0", 30);
        Assert.Equal([first], await AppendAsync(file, owner, 0, first));

        // One straddling block refuses the whole call: nothing of it is recorded, its ids stay free.
        var refused = await file.AppendBlocksAsync(owner, 40, [second, new StagedBlock("x0", 20)]);   // 60..80
        Assert.Equal(FileStatus.Invalid, refused.Status);
        Assert.Contains("70", refused.Detail, StringComparison.Ordinal);
        await AssertUnchangedAsync(file, owner, 40, [first]);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 40, [new StagedBlock("x1", 31)])).Status);   // 40..71
        await AssertUnchangedAsync(file, owner, 40, [first]);

        Assert.Equal([first, second], await AppendAsync(file, owner, 40, second));
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 60, [new StagedBlock("x2", 20)])).Status);   // 60..80
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 60, [new StagedBlock("x3", 11)])).Status);   // one byte over
        await AssertUnchangedAsync(file, owner, 60, [first, second]);

        Assert.Equal([first, second, third], await AppendAsync(file, owner, 60, third));       // 60..70: ends at headStart
        Assert.Equal([head, first, second, third], await AppendAsync(file, owner, 70, head));
        await CompleteAsync(file, owner);
    }

    [Fact]
    public async Task OneBlockOfTheWholeFileIsRefusedWhenAHeadIsSentLast()
    {
        string owner = TestIds.New("owner");
        var file = await CreateAsync(owner, headLast: 1);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("all", 100)])).Status);
        Assert.Equal([new StagedBlock("tail", 1), new StagedBlock("body", 99)],
            await AppendAsync(file, owner, 0, new StagedBlock("body", 99), new StagedBlock("tail", 1)));
    }

    private async Task<IFileGrain> CreateAsync(string owner, long headLast)
    {
        var file = Client.GetGrain<IFileGrain>(TestFiles.NewId());
        var created = await file.CreateAsync(owner, 100, TestFiles.InADay, TestFiles.LargeQuota, headLast);
        Assert.Equal(FileStatus.Ok, created.Status);
        return file;
    }

    /// <summary>Records <paramref name="blocks"/> at <paramref name="offset"/>; the block list afterwards.</summary>
    private static async Task<IReadOnlyList<StagedBlock>> AppendAsync(IFileGrain file, string owner, long offset, params StagedBlock[] blocks)
    {
        var appended = await file.AppendBlocksAsync(owner, offset, blocks);
        Assert.Equal(FileStatus.Ok, appended.Status);
        Assert.Equal(offset + blocks.Sum(b => b.Length), appended.File!.Offset);
        Assert.Equal(appended.File.Blocks, (await file.GetAsync(owner)).File!.Blocks);
        return appended.File.Blocks;
    }

    private static async Task AssertUnchangedAsync(IFileGrain file, string owner, long offset, StagedBlock[] blocks)
    {
        var view = (await file.GetAsync(owner)).File!;
        Assert.Equal(offset, view.Offset);
        Assert.Equal(blocks, view.Blocks);
    }

    private static async Task CompleteAsync(IFileGrain file, string owner)
    {
        var completed = await file.CompleteAsync(owner, DateTimeOffset.UtcNow.AddDays(30));
        Assert.Equal(FileStatus.Ok, completed.Status);
        Assert.True(completed.File!.Complete);
        Assert.Equal(100, completed.File.Offset);
        Assert.Empty(completed.File.Blocks);
    }
}
