using static Conclave.FileStore.Tests.TestBlobs;

namespace Conclave.FileStore.Tests;

/// <summary>The contract on a <see cref="LocalDirectoryBlobStore"/> in a private temporary directory, and what is
/// particular to it: the layout, permissions and atomic replacement.</summary>
public sealed class LocalDirectoryBlobStoreTests(TemporaryDirectoryFixture directory)
    : BlobStoreContractTests, IClassFixture<TemporaryDirectoryFixture>
{
    private readonly LocalDirectoryBlobStore _store = new(Path.Combine(directory.Path, "store"));

    protected override IBlobStore Store => _store;

    private string StagingOf(string name) => Path.Combine(_store.RootDirectory, "staging", name);

    private string BlobPath(string name) => Path.Combine(_store.RootDirectory, "blobs", name);

    private string[] BlobEntries(string name) =>
        [.. Directory.GetFileSystemEntries(Path.Combine(_store.RootDirectory, "blobs"), name + "*").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task DeleteRemovesEveryFileOfTheBlob()
    {
        string name = NewName();
        await UploadAsync(Store, name, RandomBytes(1_000, seed: 37), [1_000]);
        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), RandomBytes(10, seed: 38), Ct);

        await Store.DeleteAsync(name, Ct);

        Assert.Empty(BlobEntries(name));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_store.RootDirectory, "staging"), name + "*"));
    }

    [Fact]
    public void TheRootIsCreatedPrivate()
    {
        string root = Path.Combine(directory.Path, "new", "root");

        var store = new LocalDirectoryBlobStore(root);

        Assert.Equal(Path.GetFullPath(root), store.RootDirectory);
        Assert.True(Directory.Exists(Path.Combine(root, "blobs")));
        Assert.True(Directory.Exists(Path.Combine(root, "staging")));
        if (!OperatingSystem.IsWindows())
        {
            var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.Equal(owner, File.GetUnixFileMode(root));
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(root, "blobs")));
            Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(root, "staging")));
        }
    }

    [Fact]
    public void TheConstructorRejectsAnEmptyRoot()
    {
        Assert.Throws<ArgumentException>(() => new LocalDirectoryBlobStore(" "));
        Assert.Throws<ArgumentNullException>(() => new LocalDirectoryBlobStore(null!));
    }

    [Fact]
    public async Task AStagedBlockIsOneFileNamedByTheHexOfItsId()
    {
        string name = NewName();
        string id = BlockIds.ForOffset(4_194_304);

        await Store.StageBlockAsync(name, id, RandomBytes(100, seed: 30), Ct);

        string file = Assert.Single(Directory.GetFileSystemEntries(StagingOf(name)));
        Assert.Equal(Convert.ToHexStringLower(Convert.FromBase64String(id)), Path.GetFileName(file));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task ACommitLeavesTheBlobAndNothingElse()
    {
        string name = NewName();

        await UploadAsync(Store, name, RandomBytes(50_000, seed: 31), [20_000, 30_000]);

        Assert.False(Directory.Exists(StagingOf(name)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_store.RootDirectory, "staging"), name + "*"));
        Assert.Equal([BlobPath(name), BlobPath(name) + ".blocks"], BlobEntries(name));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(BlobPath(name)));
    }

    [Fact]
    public async Task AReadStreamKeepsTheVersionItOpened()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix rename and unlink semantics");
        string name = NewName();
        var first = RandomBytes(200_000, seed: 32);
        var second = RandomBytes(150_000, seed: 33);
        await UploadAsync(Store, name, first, [200_000]);

        await using var before = await Store.OpenReadAsync(name, 1_000, null, Ct);
        await UploadAsync(Store, name, second, [150_000]);
        await using var afterCommit = await Store.OpenReadAsync(name, 0, null, Ct);
        await Store.DeleteAsync(name, Ct);

        using var copy = new MemoryStream();
        await before.CopyToAsync(copy, Ct);
        AssertSameBytes(first.AsMemory(1_000), copy.ToArray());
        copy.SetLength(0);
        await afterCommit.CopyToAsync(copy, Ct);
        AssertSameBytes(second, copy.ToArray());
    }

    [Fact]
    public async Task StagedBlocksSurviveANewInstanceOverTheSameDirectory()
    {
        string name = NewName();
        var content = RandomBytes(10_000, seed: 34);
        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), content.AsMemory(0, 4_000), Ct);

        var restarted = new LocalDirectoryBlobStore(_store.RootDirectory);
        await restarted.StageBlockAsync(name, BlockIds.ForOffset(4_000), content.AsMemory(4_000), Ct);
        await restarted.CommitAsync(name, [BlockIds.ForOffset(0), BlockIds.ForOffset(4_000)], Ct);

        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task ACancelledCommitLeavesTheOldBlobAndTheStagedBlocks()
    {
        string name = NewName();
        var content = RandomBytes(1_000, seed: 35);
        await UploadAsync(Store, name, content, [1_000]);
        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), RandomBytes(2_000, seed: 36), Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.CommitAsync(name, [BlockIds.ForOffset(0)], new CancellationToken(canceled: true)));

        AssertSameBytes(content, await ReadAsync(Store, name));
        Assert.Single(Directory.GetFileSystemEntries(StagingOf(name)));
        Assert.Equal([BlobPath(name), BlobPath(name) + ".blocks"], BlobEntries(name));
    }
}
