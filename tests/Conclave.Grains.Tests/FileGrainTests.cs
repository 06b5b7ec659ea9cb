namespace Conclave.Grains.Tests;

/// <summary>The file grain's rules: creation and quota, upload, completion, keys, views, downloads and deletion.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FileGrainTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    public static TheoryData<string, string> BadFileIds => new()
    {
        { "space", "file id" },
        { "dot", "file.id" },
        { "slash", "file/id" },
        { "non-ASCII letter", "fïle" },
        { "65 characters", new string('f', FileLimits.MaxFileIdChars + 1) },
    };

    [Theory]
    [MemberData(nameof(BadFileIds))]
    public async Task CreateRefusesABadFileId(string name, string fileId)
    {
        _ = name;
        string owner = TestIds.New("owner");

        var created = await Client.GetGrain<IFileGrain>(fileId).CreateAsync(owner, 100, TestFiles.InADay, TestFiles.LargeQuota);

        Assert.Equal(FileStatus.Invalid, created.Status);
        Assert.Empty((await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).Owned);
    }

    [Fact]
    public async Task CreateAcceptsTheLongestFileId()
    {
        string fileId = new string('F', FileLimits.MaxFileIdChars - 3) + "-_9";
        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(fileId).CreateAsync(TestIds.New("owner"), 1, TestFiles.InADay, 1)).Status);
    }

    [Fact]
    public async Task CreateRefusesBadArguments()
    {
        string owner = TestIds.New("owner");
        var file = Client.GetGrain<IFileGrain>(TestFiles.NewId());

        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(" padded", 100, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync("", 100, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(owner, 0, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(owner, -1, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(owner, 100, TestFiles.InADay, -1)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CreateAsync(owner, 100, DateTimeOffset.UtcNow.AddSeconds(-1), TestFiles.LargeQuota)).Status);

        Assert.Equal(FileStatus.NotFound, (await file.GetAsync(owner)).Status);
        Assert.Equal(0, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes);
    }

    [Fact]
    public async Task CreateReservesTheLengthAndRegistersTheExpiry()
    {
        string owner = TestIds.New("owner"), fileId = TestFiles.NewId();
        var expires = TestFiles.InADay;
        var before = DateTimeOffset.UtcNow;

        var created = await Client.GetGrain<IFileGrain>(fileId).CreateAsync(owner, 1234, expires, TestFiles.LargeQuota);

        Assert.Equal(FileStatus.Ok, created.Status);
        var view = created.File!;
        Assert.Equal((fileId, owner, 1234L, 0L, false, expires), (view.FileId, view.OwnerUserId, view.Length, view.Offset, view.Complete, view.Expires));
        Assert.InRange(view.Created, before, DateTimeOffset.UtcNow);
        Assert.Empty(view.Blocks);
        Assert.Empty(view.Keys);
        Assert.Empty(view.Downloads);
        var files = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.Equal([fileId], files.Owned);
        Assert.Equal(1234, files.ReservedBytes);
        Assert.Equal(new FileExpiry(fileId, expires), await TestFiles.IndexEntryAsync(Client, fileId));
    }

    [Fact]
    public async Task ATakenIdIsAlreadyExistsAndLeavesEveryQuotaAlone()
    {
        string owner = TestIds.New("owner"), other = TestIds.New("other");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 100);
        var file = Client.GetGrain<IFileGrain>(fileId);

        Assert.Equal(FileStatus.AlreadyExists, (await file.CreateAsync(owner, 500, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Equal(FileStatus.AlreadyExists, (await file.CreateAsync(other, 500, TestFiles.InADay, TestFiles.LargeQuota)).Status);

        Assert.Equal(100, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes);
        var others = await Client.GetGrain<IUserFilesGrain>(other).ListAsync();
        Assert.Empty(others.Owned);
        Assert.Equal(0, others.ReservedBytes);
        Assert.Equal(100, (await file.GetAsync(owner)).File!.Length);
    }

    [Fact]
    public async Task TheFileThatWouldExceedTheQuotaIsRefused()
    {
        string owner = TestIds.New("owner"), first = TestFiles.NewId(), second = TestFiles.NewId();
        const long quota = 100;

        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(first).CreateAsync(owner, 60, TestFiles.InADay, quota)).Status);
        var refused = await Client.GetGrain<IFileGrain>(second).CreateAsync(owner, 50, TestFiles.InADay, quota);

        Assert.Equal(FileStatus.QuotaExceeded, refused.Status);
        Assert.NotNull(refused.Detail);
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(second).GetAsync(owner)).Status);
        Assert.Null(await TestFiles.IndexEntryAsync(Client, second));
        var files = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.Equal([first], files.Owned);
        Assert.Equal(60, files.ReservedBytes);

        // Deleting the first gives the room back.
        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(first).DeleteAsync(owner)).Status);
        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(second).CreateAsync(owner, 50, TestFiles.InADay, quota)).Status);
        Assert.Equal(50, (await Client.GetGrain<IUserFilesGrain>(owner).ListAsync()).ReservedBytes);
    }

    [Fact]
    public async Task BlocksAdvanceTheOffsetOnlyFromTheCurrentOffset()
    {
        string owner = TestIds.New("owner");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);

        var first = await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 4)]);
        Assert.Equal(FileStatus.Ok, first.Status);
        Assert.Equal(4, first.File!.Offset);

        var stale = await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b1", 4)]);
        Assert.Equal(FileStatus.OffsetMismatch, stale.Status);
        Assert.Equal(4, stale.File!.Offset);
        Assert.Contains("4", stale.Detail, StringComparison.Ordinal);
        Assert.Equal(FileStatus.OffsetMismatch, (await file.AppendBlocksAsync(owner, 5, [new StagedBlock("b1", 1)])).Status);

        var rest = await file.AppendBlocksAsync(owner, 4, [new StagedBlock("b1", 3), new StagedBlock("b2", 3)]);
        Assert.Equal(FileStatus.Ok, rest.Status);
        Assert.Equal(10, rest.File!.Offset);
        Assert.Equal([new StagedBlock("b0", 4), new StagedBlock("b1", 3), new StagedBlock("b2", 3)], rest.File.Blocks);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 10, [])).Status); // an empty PATCH changes nothing
    }

    [Fact]
    public async Task AppendRefusesBadBlocksAndOtherCallers()
    {
        string owner = TestIds.New("owner"), recipient = TestIds.New("recipient");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(recipient)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 2)])).Status);

        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b1", 0)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b1", -1)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b 1", 1)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("", 1)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock(new string('b', FileLimits.MaxBlockIdChars + 1), 1)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b1", 1), new StagedBlock("b1", 1)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b0", 1)])).Status); // used before
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync("bad\nuser", 2, [new StagedBlock("b1", 1)])).Status);
        var tooLarge = await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b1", 5), new StagedBlock("b2", 4)]);
        Assert.Equal(FileStatus.TooLarge, tooLarge.Status);
        Assert.Equal(FileStatus.TooLarge, (await file.AppendBlocksAsync(owner, 2, [new StagedBlock("b1", long.MaxValue)])).Status);
        Assert.Equal(FileStatus.Forbidden, (await file.AppendBlocksAsync(recipient, 2, [new StagedBlock("b1", 1)])).Status);
        Assert.Equal(FileStatus.Forbidden, (await file.AppendBlocksAsync(TestIds.New("stranger"), 2, [new StagedBlock("b1", 1)])).Status);
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(TestFiles.NewId()).AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 1)])).Status);

        var view = (await file.GetAsync(owner)).File!;
        Assert.Equal(2, view.Offset);
        Assert.Equal([new StagedBlock("b0", 2)], view.Blocks);
    }

    [Fact]
    public async Task AnUploadHasAtMostMaxBlocks()
    {
        string owner = TestIds.New("owner");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: FileLimits.MaxBlocks + 1);
        var file = Client.GetGrain<IFileGrain>(fileId);
        var blocks = Enumerable.Range(0, FileLimits.MaxBlocks).Select(i => new StagedBlock($"b{i}", 1)).ToArray();

        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, blocks)).Status);
        var refused = await file.AppendBlocksAsync(owner, FileLimits.MaxBlocks, [new StagedBlock("last", 1)]);

        Assert.Equal(FileStatus.Invalid, refused.Status);
        Assert.Contains(FileLimits.MaxBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Detail, StringComparison.Ordinal);
        Assert.Equal(FileLimits.MaxBlocks, (await file.GetAsync(owner)).File!.Blocks.Count);
    }

    [Fact]
    public async Task CompleteNeedsEveryByteThenDropsTheBlocksAndMovesTheExpiry()
    {
        string owner = TestIds.New("owner");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 6)])).Status);

        var early = await file.CompleteAsync(owner, expires);
        Assert.Equal(FileStatus.NotComplete, early.Status);
        Assert.Contains("6 of 10", early.Detail, StringComparison.Ordinal);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 6, [new StagedBlock("b1", 4)])).Status);
        Assert.Equal(FileStatus.Forbidden, (await file.CompleteAsync(TestIds.New("stranger"), expires)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.CompleteAsync(owner, DateTimeOffset.UtcNow.AddMinutes(-1))).Status);

        var completed = await file.CompleteAsync(owner, expires);

        Assert.Equal(FileStatus.Ok, completed.Status);
        Assert.True(completed.File!.Complete);
        Assert.Equal(expires, completed.File.Expires);
        Assert.Equal(10, completed.File.Offset);
        Assert.Empty(completed.File.Blocks);
        Assert.Equal(new FileExpiry(fileId, expires), await TestFiles.IndexEntryAsync(Client, fileId));
        var retry = await file.CompleteAsync(owner, expires.AddDays(1));
        Assert.Equal(FileStatus.Completed, retry.Status);
        Assert.True(retry.File!.Complete);
        Assert.Equal(expires, retry.File.Expires);
        var late = await file.AppendBlocksAsync(owner, 10, [new StagedBlock("b2", 1)]);
        Assert.Equal(FileStatus.Completed, late.Status);
        Assert.True(late.File!.Complete);
        Assert.Equal(expires, (await file.GetAsync(owner)).File!.Expires);
    }

    [Fact]
    public async Task TheOwnerSeesEverythingARecipientOnlyTheirOwnKeys()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice"), bob = TestIds.New("bob"), carol = TestIds.New("carol");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        WrappedFileKey[] keys =
        [
            TestFiles.Key(owner, "owner-laptop", "b3duZXI"),
            TestFiles.Key(alice, "alice-laptop", "YWxpY2Ux"),
            TestFiles.Key(alice, "alice-phone", "YWxpY2Uy"),
            TestFiles.Key(bob, "bob+phone/=", "Ym9i.sig:1"),
        ];
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, keys)).Status);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 4)])).Status);

        var ownerView = await file.GetAsync(owner);
        Assert.Equal(FileStatus.Ok, ownerView.Status);
        Assert.Equal(keys, ownerView.File!.Keys);
        Assert.Equal([new StagedBlock("b0", 4)], ownerView.File.Blocks);

        var aliceView = await file.GetAsync(alice);
        Assert.Equal(FileStatus.Ok, aliceView.Status);
        Assert.Equal(keys[1..3], aliceView.File!.Keys);
        Assert.Empty(aliceView.File.Blocks);
        Assert.Empty(aliceView.File.Downloads);
        Assert.Equal((fileId, owner, 10L, 4L, false), (aliceView.File.FileId, aliceView.File.OwnerUserId, aliceView.File.Length, aliceView.File.Offset, aliceView.File.Complete));
        Assert.Equal([keys[3]], (await file.GetAsync(bob)).File!.Keys);

        Assert.Equal(FileStatus.Forbidden, (await file.GetAsync(carol)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.GetAsync("")).Status);
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(TestFiles.NewId()).GetAsync(owner)).Status);
    }

    [Fact]
    public async Task AddKeysReplacesTheKeyOfTheSameUserAndDevice()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        string fileId = await TestFiles.CreateAsync(Client, owner);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice, "laptop", "first"), TestFiles.Key(alice, "phone", "phone")])).Status);

        var replaced = await file.AddKeysAsync(owner, [TestFiles.Key(alice, "laptop", "second")]);

        Assert.Equal(FileStatus.Ok, replaced.Status);
        Assert.Equal([TestFiles.Key(alice, "laptop", "second"), TestFiles.Key(alice, "phone", "phone")], replaced.File!.Keys);
        Assert.Equal([fileId], (await Client.GetGrain<IUserFilesGrain>(alice).ListAsync()).Received);
    }

    public static TheoryData<string, WrappedFileKey[]> BadKeys => new()
    {
        { "no keys", [] },
        { "empty user id", [new WrappedFileKey("", "device", "wrap")] },
        { "user id with a control character", [new WrappedFileKey("al\u0007ice", "device", "wrap")] },
        { "empty device", [new WrappedFileKey("alice", "", "wrap")] },
        { "device of 65 characters", [new WrappedFileKey("alice", new string('d', FileLimits.MaxDeviceChars + 1), "wrap")] },
        { "device with a dot", [new WrappedFileKey("alice", "dev.ice", "wrap")] },
        { "empty wrap", [new WrappedFileKey("alice", "device", "")] },
        { "wrap one character too long", [new WrappedFileKey("alice", "device", new string('w', FileLimits.MaxWrapChars + 1))] },
        { "wrap with a space", [new WrappedFileKey("alice", "device", "wr ap")] },
        { "wrap with a quote", [new WrappedFileKey("alice", "device", "wr\"ap")] },
        { "wrap with a backslash", [new WrappedFileKey("alice", "device", "wr\\ap")] },
        { "wrap with a newline", [new WrappedFileKey("alice", "device", "wr\nap")] },
        { "wrap with a non-ASCII character", [new WrappedFileKey("alice", "device", "wräp")] },
        { "same user and device twice", [new WrappedFileKey("alice", "device", "one"), new WrappedFileKey("alice", "device", "two")] },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task AddKeysRefusesBadKeys(string name, WrappedFileKey[] keys)
    {
        _ = name;
        string owner = TestIds.New("owner");
        string fileId = await TestFiles.CreateAsync(Client, owner);
        var file = Client.GetGrain<IFileGrain>(fileId);

        Assert.Equal(FileStatus.Invalid, (await file.AddKeysAsync(owner, keys)).Status);
        Assert.Empty((await file.GetAsync(owner)).File!.Keys);
        Assert.DoesNotContain(fileId, (await Client.GetGrain<IUserFilesGrain>("alice").ListAsync()).Received);
    }

    [Fact]
    public async Task AddKeysAcceptsTheLongestWrapAndDevice()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        var file = Client.GetGrain<IFileGrain>(await TestFiles.CreateAsync(Client, owner));
        var key = new WrappedFileKey(alice, new string('d', FileLimits.MaxDeviceChars), new string('~', FileLimits.MaxWrapChars));

        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [key])).Status);
        Assert.Equal([key], (await file.GetAsync(alice)).File!.Keys);
    }

    [Fact]
    public async Task OnlyTheOwnerAddsKeys()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        var file = Client.GetGrain<IFileGrain>(await TestFiles.CreateAsync(Client, owner));
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);

        Assert.Equal(FileStatus.Forbidden, (await file.AddKeysAsync(alice, [TestFiles.Key(TestIds.New("friend"))])).Status);
        Assert.Equal(FileStatus.Forbidden, (await file.AddKeysAsync(TestIds.New("stranger"), [TestFiles.Key(alice, "other")])).Status);
        Assert.Equal(FileStatus.NotFound, (await Client.GetGrain<IFileGrain>(TestFiles.NewId()).AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);
        Assert.Equal([TestFiles.Key(alice)], (await file.GetAsync(owner)).File!.Keys);
    }

    [Fact]
    public async Task KeysAndRecipientsAreBounded()
    {
        string owner = TestIds.New("owner");
        var file = Client.GetGrain<IFileGrain>(await TestFiles.CreateAsync(Client, owner));
        string[] users = Enumerable.Range(0, FileLimits.MaxRecipients + 1).Select(i => TestIds.New($"user{i}")).ToArray();

        var tooManyUsers = await file.AddKeysAsync(owner, users.Select(u => TestFiles.Key(u)).ToArray());
        Assert.Equal(FileStatus.TooLarge, tooManyUsers.Status);
        Assert.Empty((await file.GetAsync(owner)).File!.Keys);

        int devices = FileLimits.MaxKeys / FileLimits.MaxRecipients;
        var most = users[..FileLimits.MaxRecipients].SelectMany(u => Enumerable.Range(0, devices).Select(d => TestFiles.Key(u, $"device{d}"))).ToArray();
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, most)).Status);
        Assert.Equal(FileStatus.TooLarge, (await file.AddKeysAsync(owner, [TestFiles.Key(users[0], "one-more")])).Status);
        Assert.Equal(FileStatus.TooLarge, (await file.AddKeysAsync(owner, [TestFiles.Key(users[^1])])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(users[0], "device0", "replaced")])).Status); // replacing stays within
        Assert.Equal(FileLimits.MaxKeys, (await file.GetAsync(owner)).File!.Keys.Count);
        Assert.Equal(FileStatus.TooLarge, (await file.AddKeysAsync(TestIds.New("x"), new WrappedFileKey[FileLimits.MaxKeys + 1])).Status);
    }

    [Fact]
    public async Task RecipientsListTheFileButTheOwnerOnlyOwnsIt()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string fileId = await TestFiles.CreateAsync(Client, owner);
        var file = Client.GetGrain<IFileGrain>(fileId);

        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(owner), TestFiles.Key(alice, "laptop"), TestFiles.Key(alice, "phone")])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(bob)])).Status);

        Assert.Equal([fileId], (await Client.GetGrain<IUserFilesGrain>(alice).ListAsync()).Received);
        Assert.Equal([fileId], (await Client.GetGrain<IUserFilesGrain>(bob).ListAsync()).Received);
        var owners = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.Equal([fileId], owners.Owned);
        Assert.Empty(owners.Received);
    }

    [Fact]
    public async Task DownloadsNeedACompleteFileAndAreAudited()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);
        Assert.Equal(FileStatus.NotComplete, (await file.AuthorizeDownloadAsync(alice, null)).Status);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 10)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.CompleteAsync(owner, DateTimeOffset.UtcNow.AddDays(30))).Status);
        var before = DateTimeOffset.UtcNow;

        var aliceDownload = await file.AuthorizeDownloadAsync(alice, "bytes=0-9");
        var ownerDownload = await file.AuthorizeDownloadAsync(owner, null);

        Assert.Equal(FileStatus.Ok, aliceDownload.Status);
        Assert.Equal([TestFiles.Key(alice)], aliceDownload.File!.Keys);
        Assert.Empty(aliceDownload.File.Downloads);
        Assert.Equal(FileStatus.Ok, ownerDownload.Status);
        Assert.Equal(FileStatus.Forbidden, (await file.AuthorizeDownloadAsync(TestIds.New("stranger"), null)).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AuthorizeDownloadAsync(alice, "bytes=0-9\r\nX: y")).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AuthorizeDownloadAsync(alice, new string('9', FileLimits.MaxRangeChars + 1))).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AuthorizeDownloadAsync(alice, "")).Status);

        var log = (await file.GetAsync(owner)).File!.Downloads;
        Assert.Equal(2, log.Count);
        Assert.Equal((alice, "bytes=0-9"), (log[0].UserId, log[0].Range));
        Assert.Equal((owner, (string?)null), (log[1].UserId, log[1].Range));
        Assert.InRange(log[0].At, before, log[1].At);
        Assert.InRange(log[1].At, log[0].At, DateTimeOffset.UtcNow);
        Assert.Empty((await file.GetAsync(alice)).File!.Downloads);
    }

    [Fact]
    public async Task TheAuditLogKeepsTheNewestDownloads()
    {
        string owner = TestIds.New("owner");
        var file = Client.GetGrain<IFileGrain>(await TestFiles.UploadAsync(Client, owner));
        const int extra = 3;

        for (int i = 0; i < FileLimits.MaxAuditEntries + extra; i++)
        {
            Assert.Equal(FileStatus.Ok, (await file.AuthorizeDownloadAsync(owner, $"bytes={i}-{i}")).Status);
        }

        var log = (await file.GetAsync(owner)).File!.Downloads;
        Assert.Equal(FileLimits.MaxAuditEntries, log.Count);
        Assert.Equal($"bytes={extra}-{extra}", log[0].Range);
        int last = FileLimits.MaxAuditEntries + extra - 1;
        Assert.Equal($"bytes={last}-{last}", log[^1].Range);
    }

    [Fact]
    public async Task DeleteRemovesTheFileFromEveryIndex()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice"), bob = TestIds.New("bob");
        string fileId = await TestFiles.UploadAsync(Client, owner, length: 77);
        string kept = await TestFiles.CreateAsync(Client, owner, length: 5);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice), TestFiles.Key(bob)])).Status);
        Assert.Equal(FileStatus.Ok, (await Client.GetGrain<IFileGrain>(kept).AddKeysAsync(owner, [TestFiles.Key(alice)])).Status);
        var before = (await file.GetAsync(owner)).File!;

        Assert.Equal(FileStatus.Forbidden, (await file.DeleteAsync(alice)).Status);
        Assert.Equal(FileStatus.Forbidden, (await file.DeleteAsync(TestIds.New("stranger"))).Status);
        var deleted = await file.DeleteAsync(owner);

        Assert.Equal(FileStatus.Ok, deleted.Status);
        TestFiles.AssertSameView(before, deleted.File);
        Assert.Equal(FileStatus.NotFound, (await file.GetAsync(owner)).Status);
        Assert.Equal(FileStatus.NotFound, (await file.GetAsync(alice)).Status);
        Assert.Equal(FileStatus.NotFound, (await file.AuthorizeDownloadAsync(alice, null)).Status);
        Assert.Equal(FileStatus.NotFound, (await file.DeleteAsync(owner)).Status);
        var owners = await Client.GetGrain<IUserFilesGrain>(owner).ListAsync();
        Assert.Equal([kept], owners.Owned);
        Assert.Equal(5, owners.ReservedBytes);
        Assert.Equal([kept], (await Client.GetGrain<IUserFilesGrain>(alice).ListAsync()).Received);
        Assert.Empty((await Client.GetGrain<IUserFilesGrain>(bob).ListAsync()).Received);
        Assert.Null(await TestFiles.IndexEntryAsync(Client, fileId));

        // The id is free again, for anyone.
        Assert.Equal(FileStatus.Ok, (await file.CreateAsync(bob, 3, TestFiles.InADay, TestFiles.LargeQuota)).Status);
        Assert.Empty((await file.GetAsync(bob)).File!.Keys);
    }

    [Fact]
    public async Task FileStateSurvivesDeactivation()
    {
        string owner = TestIds.New("owner"), alice = TestIds.New("alice");
        string fileId = await TestFiles.CreateAsync(Client, owner, length: 10);
        var file = Client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b0", 3), new StagedBlock("b1", 3)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.AddKeysAsync(owner, [TestFiles.Key(alice, "laptop"), TestFiles.Key(owner, "desk")])).Status);
        var uploading = (await file.GetAsync(owner)).File!;

        await DeactivateAsync(file);

        TestFiles.AssertSameView(uploading, (await file.GetAsync(owner)).File);
        Assert.Equal(FileStatus.OffsetMismatch, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("b2", 4)])).Status);
        Assert.Equal(FileStatus.Invalid, (await file.AppendBlocksAsync(owner, 6, [new StagedBlock("b1", 4)])).Status); // ids survive too
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 6, [new StagedBlock("b2", 4)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.CompleteAsync(owner, DateTimeOffset.UtcNow.AddDays(30))).Status);
        Assert.Equal(FileStatus.Ok, (await file.AuthorizeDownloadAsync(alice, "bytes=0-4")).Status);
        var complete = (await file.GetAsync(owner)).File!;

        await DeactivateAsync(file);

        TestFiles.AssertSameView(complete, (await file.GetAsync(owner)).File);
        Assert.Equal([TestFiles.Key(alice, "laptop")], (await file.GetAsync(alice)).File!.Keys);
    }

    private async Task DeactivateAsync(IAddressable grain)
    {
        Assert.True(fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _), "the grain should be active before deactivation");
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.False(fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _), "the grain should be gone after deactivation");
    }
}
