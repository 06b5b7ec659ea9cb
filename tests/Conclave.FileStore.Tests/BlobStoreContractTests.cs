using static Conclave.FileStore.Tests.TestBlobs;

namespace Conclave.FileStore.Tests;

/// <summary>
/// The <see cref="IBlobStore"/> contract, run against every implementation: each derived class supplies a store (its
/// own directory or container) and inherits every test here.
/// </summary>
public abstract class BlobStoreContractTests
{
    protected abstract IBlobStore Store { get; }

    // ---------------------------------------------------------------- round trips ---

    [Fact]
    public async Task RoundTripOfSeveralMebibytesInBlocksOfDifferentSizes()
    {
        string name = NewName();
        int[] sizes = [1 << 20, 1, 777_777, 64 << 10, 3 * 4096 + 5, 1_000_003, 17];
        var content = RandomBytes(sizes.Sum(), seed: 1);

        await UploadAsync(Store, name, content, sizes, stageOrder: [3, 0, 6, 2, 5, 1, 4]);

        Assert.Equal(content.Length, await Store.GetLengthAsync(name, Ct));
        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task ReadingInSmallPiecesReturnsTheSameBytes()
    {
        string name = NewName();
        var content = RandomBytes(300_001, seed: 2);
        await UploadAsync(Store, name, content, [100_000, 200_001]);

        await using var stream = await Store.OpenReadAsync(name, 0, null, Ct);
        Assert.True(stream.CanRead);
        var read = new List<byte>(content.Length);
        var buffer = new byte[4093];
        int n;
        while ((n = await stream.ReadAsync(buffer, Ct)) > 0) read.AddRange(buffer.AsSpan(0, n));
        AssertSameBytes(content, read.ToArray());
        Assert.Equal(0, await stream.ReadAsync(buffer, Ct)); // stays at the end
    }

    [Fact]
    public async Task TheCommitListAloneSetsTheOrder()
    {
        string name = NewName();
        byte[] a = RandomBytes(1000, seed: 3), b = RandomBytes(2000, seed: 4);
        string idA = BlockIds.ForOffset(0), idB = BlockIds.ForOffset(1000);
        await Store.StageBlockAsync(name, idA, a, Ct);
        await Store.StageBlockAsync(name, idB, b, Ct);

        await Store.CommitAsync(name, [idB, idA], Ct);

        AssertSameBytes(Concat(b, a), await ReadAsync(Store, name));
    }

    [Fact]
    public async Task AnEmptyCommitMakesAnEmptyBlob()
    {
        string name = NewName();

        await Store.CommitAsync(name, [], Ct);

        Assert.Equal(0, await Store.GetLengthAsync(name, Ct));
        Assert.Empty(await ReadAsync(Store, name));
        Assert.Empty(await ReadAsync(Store, name, 0, 10));
        Assert.Empty(await ReadAsync(Store, name, 5, null));
        Assert.Empty(await ReadAsync(Store, name, 0, 0));
    }

    // ---------------------------------------------------------------- ranges ---

    private const int RangeBlobLength = 100_000;

    /// <summary>Ranges over a 100,000-byte blob of blocks 40,000 + 40,000 + 20,000: (name, offset, length, expected
    /// start, expected count). Past the end, a range is clamped; at or beyond the end, it is empty.</summary>
    public static TheoryData<string, long, long?, int, int> Ranges => new()
    {
        { "whole",                              0,           null,          0,      RangeBlobLength },
        { "whole by length",                    0,           100_000,       0,      RangeBlobLength },
        { "start",                              0,           1_000,         0,      1_000 },
        { "middle, across a block boundary",    39_990,      20,            39_990, 20 },
        { "middle, across two boundaries",      1,           99_998,        1,      99_998 },
        { "from the middle to the end",         70_000,      null,          70_000, 30_000 },
        { "last byte",                          99_999,      1,             99_999, 1 },
        { "last byte to the end",               99_999,      null,          99_999, 1 },
        { "empty at the start",                 0,           0,             0,      0 },
        { "empty in the middle",                500,         0,             500,    0 },
        { "at the end, to the end: empty",      100_000,     null,          0,      0 },
        { "at the end, with a length: empty",   100_000,     10,            0,      0 },
        { "running past the end: clamped",      90_000,      50_000,        90_000, 10_000 },
        { "length long.MaxValue: clamped",      10,          long.MaxValue, 10,     99_990 },
        { "beyond the end: empty",              200_000,     null,          0,      0 },
        { "beyond the end with a length: empty", 200_000,    5,             0,      0 },
        { "offset long.MaxValue: empty",        long.MaxValue, 1,           0,      0 },
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task ReadsARange(string name, long offset, long? length, int expectedStart, int expectedCount)
    {
        _ = name;
        string blob = NewName("range");
        var content = RandomBytes(RangeBlobLength, seed: 5);
        await UploadAsync(Store, blob, content, [40_000, 40_000, 20_000]);

        var read = await ReadAsync(Store, blob, offset, length);

        AssertSameBytes(content.AsMemory(expectedStart, expectedCount), read);
    }

    // ---------------------------------------------------------------- staging and committing ---

    [Fact]
    public async Task StagingTheSameIdAgainReplacesTheBlock()
    {
        string name = NewName();
        string id = BlockIds.ForOffset(0);
        await Store.StageBlockAsync(name, id, RandomBytes(5000, seed: 6), Ct);
        var second = RandomBytes(1234, seed: 7);

        await Store.StageBlockAsync(name, id, second, Ct);
        await Store.CommitAsync(name, [id], Ct);

        Assert.Equal(second.Length, await Store.GetLengthAsync(name, Ct));
        AssertSameBytes(second, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task CommittingASubsetDiscardsTheOtherBlocks()
    {
        string name = NewName();
        byte[] a = RandomBytes(3000, seed: 8), b = RandomBytes(4000, seed: 9), c = RandomBytes(5000, seed: 10);
        string idA = BlockIds.ForOffset(0), idB = BlockIds.ForOffset(3000), idC = BlockIds.ForOffset(7000);
        await Store.StageBlockAsync(name, idA, a, Ct);
        await Store.StageBlockAsync(name, idB, b, Ct);
        await Store.StageBlockAsync(name, idC, c, Ct);

        await Store.CommitAsync(name, [idA, idC], Ct);

        AssertSameBytes(Concat(a, c), await ReadAsync(Store, name));
        var error = await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, [idB], Ct));
        Assert.Equal(name, error.BlobName);
        AssertSameBytes(Concat(a, c), await ReadAsync(Store, name)); // a refused commit changes nothing
    }

    [Fact]
    public async Task CommittingAgainReplacesTheBlob()
    {
        string name = NewName();
        var first = RandomBytes(600_000, seed: 11);
        await UploadAsync(Store, name, first, [300_000, 300_000]);
        var second = RandomBytes(1_000, seed: 12);

        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), second, Ct);
        await Store.CommitAsync(name, [BlockIds.ForOffset(0)], Ct);

        Assert.Equal(second.Length, await Store.GetLengthAsync(name, Ct));
        AssertSameBytes(second, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task CommittingTheSameListAgainIsARetryThatChangesNothing()
    {
        // The host stopped between committing and recording the commit: it commits again.
        string name = NewName();
        var content = RandomBytes(10_000, seed: 50);
        var ids = await UploadAsync(Store, name, content, [6_000, 4_000]);

        await Store.CommitAsync(name, ids, Ct);
        await Store.CommitAsync(name, [.. ids], Ct);

        Assert.Equal(content.Length, await Store.GetLengthAsync(name, Ct));
        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    public static TheoryData<string, int[]> OtherListsOfCommittedBlocks => new()
    {
        { "a prefix", [0] },
        { "a suffix", [1] },
        { "another order", [1, 0, 2] },
        { "one more, never staged", [0, 1, 2, 3] },
    };

    [Theory]
    [MemberData(nameof(OtherListsOfCommittedBlocks))]
    public async Task OtherListsOfCommittedBlocksAreRefused(string label, int[] blocks)
    {
        _ = label;
        string name = NewName();
        var content = RandomBytes(9_000, seed: 51);
        var ids = await UploadAsync(Store, name, content, [3_000, 3_000, 3_000]);
        string[] list = [.. blocks.Select(i => i < ids.Length ? ids[i] : BlockIds.ForOffset(9_000))];

        var error = await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, list, Ct));

        Assert.Equal(name, error.BlobName);
        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task TheSameListWithSomeBlocksStagedAnewIsRefused()
    {
        string name = NewName();
        var content = RandomBytes(8_000, seed: 52);
        var ids = await UploadAsync(Store, name, content, [4_000, 4_000]);
        await Store.StageBlockAsync(name, ids[0], RandomBytes(4_000, seed: 53), Ct);

        var error = await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, ids, Ct));

        Assert.Equal(ids[1], error.BlockId);
        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    [Fact]
    public async Task TheListOfADeletedBlobIsNoRetry()
    {
        string name = NewName();
        var ids = await UploadAsync(Store, name, RandomBytes(3_000, seed: 54), [1_000, 2_000]);
        await Store.DeleteAsync(name, Ct);

        await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, ids, Ct));

        Assert.Null(await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task CommittingABlockNeverStagedThrowsAndCreatesNothing()
    {
        string name = NewName();
        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), RandomBytes(100, seed: 14), Ct);

        var error = await Assert.ThrowsAsync<InvalidBlockListException>(
            () => Store.CommitAsync(name, [BlockIds.ForOffset(0), BlockIds.ForOffset(100)], Ct));

        Assert.Equal(BlockIds.ForOffset(100), error.BlockId);
        Assert.Null(await Store.GetLengthAsync(name, Ct));
        await Store.CommitAsync(name, [BlockIds.ForOffset(0)], Ct); // the staged block is still there
        Assert.Equal(100, await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task ARefusedCommitLeavesTheCommittedBlob()
    {
        string name = NewName();
        var content = RandomBytes(2_000, seed: 15);
        await UploadAsync(Store, name, content, [2_000]);

        await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, [BlockIds.ForOffset(123)], Ct));

        AssertSameBytes(content, await ReadAsync(Store, name));
    }

    // ---------------------------------------------------------------- missing blobs ---

    [Fact]
    public async Task StagedBlocksAloneMakeNoBlob()
    {
        string name = NewName();
        await Store.StageBlockAsync(name, BlockIds.ForOffset(0), RandomBytes(10, seed: 16), Ct);

        Assert.Null(await Store.GetLengthAsync(name, Ct));
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, 0, null, Ct));
        Assert.Equal(name, error.BlobName);
    }

    [Fact]
    public async Task AnUnknownBlobHasNoLengthAndCannotBeRead()
    {
        string name = NewName();

        Assert.Null(await Store.GetLengthAsync(name, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, 0, null, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, 10, 5, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, 0, 0, Ct));
    }

    // ---------------------------------------------------------------- delete ---

    [Fact]
    public async Task DeleteRemovesTheCommittedBlob()
    {
        string name = NewName();
        await UploadAsync(Store, name, RandomBytes(5_000, seed: 17), [5_000]);

        await Store.DeleteAsync(name, Ct);

        Assert.Null(await Store.GetLengthAsync(name, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync(name, 0, null, Ct));
    }

    [Fact]
    public async Task DeleteDiscardsBlocksStagedForANewBlob()
    {
        string name = NewName();
        string id = BlockIds.ForOffset(0);
        await Store.StageBlockAsync(name, id, RandomBytes(500, seed: 18), Ct);

        await Store.DeleteAsync(name, Ct);

        await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, [id], Ct));
        Assert.Null(await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task DeleteDiscardsBlocksStagedOverACommittedBlob()
    {
        string name = NewName();
        await UploadAsync(Store, name, RandomBytes(700, seed: 19), [700]);
        string id = BlockIds.ForOffset(0);
        await Store.StageBlockAsync(name, id, RandomBytes(300, seed: 20), Ct);

        await Store.DeleteAsync(name, Ct);

        Assert.Null(await Store.GetLengthAsync(name, Ct));
        await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, [id], Ct));
        Assert.Null(await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task DeletingNothingDoesNothing()
    {
        string name = NewName();

        await Store.DeleteAsync(name, Ct);
        await Store.DeleteAsync(name, Ct);

        Assert.Null(await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task ANameCanBeReusedAfterDelete()
    {
        string name = NewName();
        await UploadAsync(Store, name, RandomBytes(900, seed: 21), [900]);
        await Store.DeleteAsync(name, Ct);
        var again = RandomBytes(400, seed: 22);

        await UploadAsync(Store, name, again, [150, 250]);

        AssertSameBytes(again, await ReadAsync(Store, name));
    }

    // ---------------------------------------------------------------- concurrency ---

    [Fact]
    public async Task ConcurrentUploadsOfSeveralBlobsStayApart()
    {
        const int BlobCount = 8;
        var names = Enumerable.Range(0, BlobCount).Select(i => NewName($"c{i}")).ToArray();
        var contents = Enumerable.Range(0, BlobCount).Select(i => RandomBytes(200_000 + 37_111 * i, seed: 100 + i)).ToArray();

        // Every block of every blob staged at once, then every blob committed at once.
        var ids = new List<string>[BlobCount];
        var stages = new List<Task>();
        for (int b = 0; b < BlobCount; b++)
        {
            ids[b] = [];
            string name = names[b];
            int blockSize = 64_000 + 1_000 * b;
            for (int offset = 0; offset < contents[b].Length; offset += blockSize)
            {
                string id = BlockIds.ForOffset(offset);
                ids[b].Add(id);
                var piece = contents[b].AsMemory(offset, Math.Min(blockSize, contents[b].Length - offset));
                stages.Add(Task.Run(() => Store.StageBlockAsync(name, id, piece, Ct), Ct));
            }
        }
        await Task.WhenAll(stages);
        await Task.WhenAll(Enumerable.Range(0, BlobCount).Select(b => Task.Run(() => Store.CommitAsync(names[b], ids[b], Ct), Ct)));

        var reads = await Task.WhenAll(names.Select(n => Task.Run(() => ReadAsync(Store, n), Ct)));
        for (int b = 0; b < BlobCount; b++) AssertSameBytes(contents[b], reads[b]);

        await Task.WhenAll(names.Where((_, i) => i % 2 == 0).Select(n => Task.Run(() => Store.DeleteAsync(n, Ct), Ct)));
        for (int b = 0; b < BlobCount; b++)
            Assert.Equal(b % 2 == 0 ? null : contents[b].Length, await Store.GetLengthAsync(names[b], Ct));
    }

    // ---------------------------------------------------------------- arguments ---

    public static TheoryData<string, string> InvalidNames => new()
    {
        { "empty", "" },
        { "65 characters", new string('a', 65) },
        { "slash", "a/b" },
        { "parent directory", ".." },
        { "dot", "a.b" },
        { "backslash", "a\\b" },
        { "space", "a b" },
        { "non-ASCII letter", "caf\u00e9" },
        { "NUL", "a\0" },
        { "newline", "a\nb" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task EveryOperationRejectsAnInvalidName(string label, string name)
    {
        _ = label;
        string id = BlockIds.ForOffset(0);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.StageBlockAsync(name, id, new byte[1], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(name, [id], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetLengthAsync(name, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(name, 0, null, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(name, Ct));
    }

    [Fact]
    public async Task EveryOperationRejectsANullName()
    {
        string id = BlockIds.ForOffset(0);
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.StageBlockAsync(null!, id, new byte[1], Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.CommitAsync(null!, [id], Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.GetLengthAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.OpenReadAsync(null!, 0, null, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.DeleteAsync(null!, Ct));
    }

    [Theory]
    [MemberData(nameof(BlockIdsTests.InvalidIds), MemberType = typeof(BlockIdsTests))]
    public async Task StagingAndCommittingRejectAnInvalidBlockId(string label, string id)
    {
        _ = label;
        string name = NewName();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.StageBlockAsync(name, id, new byte[1], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(name, [BlockIds.ForOffset(0), id], Ct));
        Assert.Null(await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task StagingRejectsNullIdAndEmptyData()
    {
        string name = NewName();
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.StageBlockAsync(name, null!, new byte[1], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.StageBlockAsync(name, BlockIds.ForOffset(0), ReadOnlyMemory<byte>.Empty, Ct));
    }

    [Fact]
    public async Task CommittingRejectsABadList()
    {
        string name = NewName();
        string id = BlockIds.ForOffset(0);
        await Store.StageBlockAsync(name, id, new byte[1], Ct);

        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.CommitAsync(name, null!, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(name, [id, null!], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(name, [id, id], Ct));
        var tooMany = Enumerable.Range(0, BlockIds.MaxBlocksPerBlob + 1).Select(i => BlockIds.ForOffset(i)).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CommitAsync(name, tooMany, Ct));

        Assert.Null(await Store.GetLengthAsync(name, Ct));
        await Store.CommitAsync(name, [id], Ct); // nothing above discarded the staged block
        Assert.Equal(1, await Store.GetLengthAsync(name, Ct));
    }

    [Fact]
    public async Task ReadingRejectsANegativeOffsetOrLength()
    {
        string name = NewName();
        await UploadAsync(Store, name, new byte[10], [10]);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.OpenReadAsync(name, -1, null, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.OpenReadAsync(name, 0, -1, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.OpenReadAsync(name, long.MinValue, long.MinValue, Ct));
    }
}
