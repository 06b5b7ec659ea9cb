namespace Conclave.Grains.Tests;

/// <summary>File set-up shared by the file tests.</summary>
public static class TestFiles
{
    /// <summary>A quota no test reaches unless it means to.</summary>
    public const long LargeQuota = 1L << 40;

    /// <summary>A fresh file id (33 characters of <c>a–z 0–9</c>), unique across the shared cluster.</summary>
    public static string NewId() => "f" + Guid.NewGuid().ToString("N");

    /// <summary>An upload expiry comfortably in the future.</summary>
    public static DateTimeOffset InADay => DateTimeOffset.UtcNow.AddDays(1);

    /// <summary>Creates an upload of <paramref name="length"/> bytes owned by <paramref name="owner"/>; returns its id.</summary>
    public static async Task<string> CreateAsync(IClusterClient client, string owner, long length = 100, DateTimeOffset? uploadExpires = null)
    {
        string fileId = NewId();
        var created = await client.GetGrain<IFileGrain>(fileId).CreateAsync(owner, length, uploadExpires ?? InADay, LargeQuota);
        Assert.Equal(FileStatus.Ok, created.Status);
        return fileId;
    }

    /// <summary>Creates, uploads (one block) and completes a file; returns its id.</summary>
    public static async Task<string> UploadAsync(IClusterClient client, string owner, long length = 100, DateTimeOffset? expires = null)
    {
        string fileId = await CreateAsync(client, owner, length);
        var file = client.GetGrain<IFileGrain>(fileId);
        Assert.Equal(FileStatus.Ok, (await file.AppendBlocksAsync(owner, 0, [new StagedBlock("block0", length)])).Status);
        Assert.Equal(FileStatus.Ok, (await file.CompleteAsync(owner, expires ?? DateTimeOffset.UtcNow.AddDays(30))).Status);
        return fileId;
    }

    /// <summary>A key for one device of <paramref name="userId"/>.</summary>
    public static WrappedFileKey Key(string userId, string device = "device-a", string wrap = "d3JhcHBlZC1rZXk") => new(userId, device, wrap);

    /// <summary>The file's entry in its expiry index shard, or null.</summary>
    public static async Task<FileExpiry?> IndexEntryAsync(IClusterClient client, string fileId)
    {
        var due = await client.GetGrain<IFileExpiryIndexGrain>(FileExpiryShards.KeyOf(fileId)).DueAsync(DateTimeOffset.MaxValue, FileExpiryShards.MaxDue);
        return due.SingleOrDefault(e => e.FileId == fileId);
    }

    /// <summary>Asserts two views are the same, list by list.</summary>
    public static void AssertSameView(FileView expected, FileView? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Blocks = [], Keys = [], Downloads = [] }, actual with { Blocks = [], Keys = [], Downloads = [] });
        Assert.Equal(expected.Blocks, actual.Blocks);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.Equal(expected.Downloads, actual.Downloads);
    }
}
