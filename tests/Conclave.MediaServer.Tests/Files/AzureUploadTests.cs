using System.Net;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// Uploads into Azure block blobs, against Azurite (the connection string in <c>CONCLAVE_TEST_AZURE_STORAGE</c>, set by
/// scripts/test.sh; a missing emulator fails the test): one staged block per piece the server read, one
/// CommitBlockList at the end, and the blob holds exactly the uploaded bytes.
/// </summary>
public sealed class AzureUploadTests : IAsyncLifetime
{
    private readonly string _container = "files-" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _connection = Environment.GetEnvironmentVariable("CONCLAVE_TEST_AZURE_STORAGE") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("CONCLAVE_TEST_AZURE_STORAGE is not set: run the tests with ./scripts/test.sh, which starts Azurite");
    private TestServer? _server;

    private TestServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Conclave:Files:Store"] = "AzureBlob",
        ["Conclave:Files:ConnectionString"] = _connection,
        ["Conclave:Files:Container"] = _container,
        ["Conclave:Files:BlockSize"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await new BlobContainerClient(_connection, _container).DeleteIfExistsAsync();
    }

    [Fact]
    public async Task An_upload_in_pieces_with_a_cut_becomes_one_committed_block_blob_of_exactly_its_bytes()
    {
        using TusRequests tus = await TusUploadTests.UserAsync(Server);
        byte[] data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 123);
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(data.Length, id, data[..1_500_000])).Dispose();
        using (HttpResponseMessage r = await tus.PatchAsync(id, 1_500_000, data[1_500_000..4_000_000])) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // Nothing is visible in the store before the end: the blocks are staged, not committed.
        BlockBlobClient blob = new BlobContainerClient(_connection, _container).GetBlockBlobClient(id);
        Assert.False(await blob.ExistsAsync(Deadline.Token));
        BlockList staged = await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: Deadline.Token);
        Assert.Equal(4_000_000, staged.UncommittedBlocks.Sum(b => b.SizeLong));

        using (HttpResponseMessage r = await tus.PatchAsync(id, 4_000_000, data[4_000_000..])) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        BlockList committed = await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: Deadline.Token);
        Assert.Empty(committed.UncommittedBlocks);
        Assert.Equal(data.Length, committed.CommittedBlocks.Sum(b => b.SizeLong));
        Assert.True(committed.CommittedBlocks.Count() >= 6);                  // 1 MiB blocks
        Assert.Equal(data, (await blob.DownloadContentAsync(Deadline.Token)).Value.Content.ToArray());
        Assert.Equal(data, await TusUploadTests.DownloadAsync(tus, id));
        using HttpResponseMessage range = await tus.DownloadAsync(id, "bytes=5000000-5000099");
        Assert.Equal(data[5_000_000..5_000_100], await range.Content.ReadAsByteArrayAsync(Deadline.Token));

        // Deleting removes the blob.
        using (HttpResponseMessage r = await tus.DeleteAsync(id)) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.False(await blob.ExistsAsync(Deadline.Token));
    }
}
