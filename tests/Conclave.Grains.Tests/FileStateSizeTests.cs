using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Conclave.Grains.Tests;

/// <summary>
/// The fullest states the file grains allow fit one Azure Table storage record (the clustered deployment's provider),
/// as serialized by the silo's own grain storage serializer (JSON with a type name on every object).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FileStateSizeTests(ClusterFixture fixture)
{
    /// <summary>Orleans' AzureTableGrainStorage refuses more: 15 properties of 64 KiB.</summary>
    private const int AzureTableMaxStateBytes = 15 * 64 * 1024;

    /// <summary>InputRules.MaxIdLength: the longest user id.</summary>
    private const int MaxUserIdLength = 128;

    private static readonly DateTimeOffset LongestTime = DateTimeOffset.Parse("2025-06-01T12:34:56.1234567+14:00", CultureInfo.InvariantCulture);

    [Fact]
    public void UploadWithMostKeysAndBlocksFits()
    {
        AssertFits(MostKeys() with
        {
            BlockIds = Enumerable.Range(0, FileLimits.MaxBlocks).Select(i => Id(i, FileLimits.MaxBlockIdChars)).ToArray(),
            BlockLengths = Enumerable.Repeat(long.MaxValue, FileLimits.MaxBlocks).ToArray(),
        });
    }

    [Fact]
    public void CompletedFileWithMostKeysAndDownloadsFits()
    {
        AssertFits(MostKeys() with
        {
            Complete = true,
            Downloads = Enumerable.Range(0, FileLimits.MaxAuditEntries)
                .Select(i => new FileDownload(UserId(i), LongestTime, new string('9', FileLimits.MaxRangeChars)))
                .ToArray(),
        });
    }

    [Fact]
    public void FullestUserFilesFits()
    {
        AssertFits(new UserFilesState
        {
            Owned = Enumerable.Range(0, FileLimits.MaxOwnedFiles).Select(i => new OwnedFile(Id(i, FileLimits.MaxFileIdChars), long.MaxValue)).ToArray(),
            Received = Enumerable.Range(0, FileLimits.MaxReceivedFiles).Select(i => Id(i, FileLimits.MaxFileIdChars)).ToArray(),
        });
    }

    [Fact]
    public void FullestExpiryShardFits()
    {
        AssertFits(new FileExpiryIndexState
        {
            Entries = Enumerable.Range(0, FileExpiryShards.MaxEntriesPerShard)
                .Select(i => new FileExpiry(Id(i, FileLimits.MaxFileIdChars), LongestTime))
                .ToArray(),
        });
    }

    /// <summary>Every key at its longest: user ids of 3-byte UTF-8 characters, spread over the most recipients.</summary>
    private static FileState MostKeys()
    {
        int devicesPerUser = FileLimits.MaxKeys / FileLimits.MaxRecipients;
        var keys = Enumerable.Range(0, FileLimits.MaxKeys)
            .Select(i => new WrappedFileKey(UserId(i / devicesPerUser), Id(i, FileLimits.MaxDeviceChars), new string('w', FileLimits.MaxWrapChars)))
            .ToArray();
        return new FileState
        {
            OwnerUserId = UserId(0),
            Length = long.MaxValue,
            Offset = long.MaxValue,
            Created = LongestTime,
            Expires = LongestTime,
            Keys = keys,
        };
    }

    private static string UserId(int i) => new string('漢', MaxUserIdLength - 8) + i.ToString("D8", CultureInfo.InvariantCulture);

    private static string Id(int i, int length) => i.ToString("D8", CultureInfo.InvariantCulture).PadLeft(length, 'A');

    private void AssertFits<T>(T state)
    {
        var serializer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainStorageSerializer>();
        int size = serializer.Serialize(state).ToMemory().Length;
        Assert.True(size <= AzureTableMaxStateBytes, $"{typeof(T).Name} serializes to {size} bytes, over {AzureTableMaxStateBytes}.");
    }
}
