using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using static Conclave.FileStore.Tests.TestBlobs;

namespace Conclave.FileStore.Tests;

/// <summary>
/// The contract on an <see cref="AzureBlobStore"/> in its own random container (Azurite, see
/// <see cref="AzuriteContainerFixture"/>), and what is particular to it: content validation, the service's errors, and
/// messages that never carry credentials.
/// </summary>
public sealed class AzureBlobStoreTests(AzuriteContainerFixture azure)
    : BlobStoreContractTests, IClassFixture<AzuriteContainerFixture>
{
    // A different key of the right shape, and a SAS signature: neither may ever appear in a message.
    private const string WrongKey = "AAAAbm90LXRoZS1rZXktbm90LXRoZS1rZXktbm90LXRoZS1rZXktbm90LXRoZS1rZXktbm90LXRoZS1rZXkAAAAAAA==";
    private const string SasSignature = "c2VjcmV0LXNpZ25hdHVyZS12YWx1ZS0xMjM0NTY3ODk";

    protected override IBlobStore Store => azure.Store;

    private Uri ServiceUri => azure.Container.GetParentBlobServiceClient().Uri;

    [Fact]
    public async Task StagingSendsTheBlocksMd5()
    {
        var recorder = new RequestRecorder();
        var store = new AzureBlobStore(ClientWith(recorder));
        var data = RandomBytes(300_000, seed: 40);

        await store.StageBlockAsync(NewName(), BlockIds.ForOffset(0), data, Ct);

        string md5 = Assert.Single(recorder.ContentMd5s);
        Assert.Equal(MD5.HashData(data), Convert.FromBase64String(md5));
    }

    [Fact]
    public async Task TheServiceRejectsABlockCorruptedOnTheWay()
    {
        var store = new AzureBlobStore(ClientWith(new CorruptingPolicy()));
        string name = NewName();

        var error = await Assert.ThrowsAsync<BlobStoreException>(
            () => store.StageBlockAsync(name, BlockIds.ForOffset(0), RandomBytes(1_000, seed: 41), Ct));

        Assert.Equal(400, error.Status);
        Assert.Equal("Md5Mismatch", error.ErrorCode);
        await Assert.ThrowsAsync<InvalidBlockListException>(() => Store.CommitAsync(name, [BlockIds.ForOffset(0)], Ct));
    }

    [Fact]
    public async Task CreateWorksWithAnExplicitServiceVersion()
    {
        // Azurite's newest version: what a deployment uses against an Azurite started without --skipApiVersionCheck.
        var store = AzureBlobStore.Create(AzuriteContainerFixture.ConnectionString, azure.ContainerName, BlobClientOptions.ServiceVersion.V2026_06_06);
        string name = NewName();
        var content = RandomBytes(5_000, seed: 42);

        await UploadAsync(store, name, content, [2_000, 3_000]);

        Assert.Equal(azure.ContainerName, store.ContainerName);
        AssertSameBytes(content.AsMemory(100, 50), await ReadAsync(store, name, 100, 50));
    }

    [Fact]
    public async Task EnsureContainerCanBeCalledAgain()
    {
        await azure.Store.EnsureContainerAsync(Ct);
        await AzureBlobStore.Create(AzuriteContainerFixture.ConnectionString, azure.ContainerName).EnsureContainerAsync(Ct);
    }

    [Fact]
    public async Task AMissingContainerHasNoBlobs()
    {
        var store = new AzureBlobStore(new BlobContainerClient(AzuriteContainerFixture.ConnectionString,
            "conclave-missing-" + Guid.NewGuid().ToString("N")[..16], AzuriteContainerFixture.NewOptions()));
        string name = NewName();

        Assert.Null(await store.GetLengthAsync(name, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(name, 0, null, Ct));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(name, 0, 0, Ct));
        await store.DeleteAsync(name, Ct);
        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.StageBlockAsync(name, BlockIds.ForOffset(0), new byte[1], Ct));
        Assert.Equal(404, error.Status);
        Assert.Equal("ContainerNotFound", error.ErrorCode);
        Assert.Contains("EnsureContainerAsync", error.Message);
    }

    [Fact]
    public async Task AWrongAccountKeyFailsWithoutRevealingIt()
    {
        string connectionString = $"DefaultEndpointsProtocol=http;AccountName={azure.Container.AccountName};AccountKey={WrongKey};BlobEndpoint={ServiceUri};";
        var store = AzureBlobStore.Create(connectionString, azure.ContainerName);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.StageBlockAsync(NewName(), BlockIds.ForOffset(0), new byte[1], Ct));

        Assert.Equal(403, error.Status);
        AssertNoSecret(error, WrongKey);
    }

    [Fact]
    public async Task ABadSasFailsWithoutRevealingIt()
    {
        string sas = $"sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00%3A00%3A00Z&sig={SasSignature}%3D";
        var store = AzureBlobStore.Create($"BlobEndpoint={ServiceUri};SharedAccessSignature={sas}", azure.ContainerName);

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.CommitAsync(NewName(), [], Ct));

        Assert.Equal(403, error.Status);
        AssertNoSecret(error, SasSignature);
        AssertNoSecret(await Assert.ThrowsAsync<BlobStoreException>(() => store.GetLengthAsync(NewName(), Ct)), SasSignature);
    }

    [Fact]
    public async Task AnUnreachableServiceFailsWithoutRevealingTheKey()
    {
        // Port 1 on loopback: nothing listens. One quick retry, so the SDK reports an AggregateException of attempts.
        string connectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={WrongKey};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";
        var options = new BlobClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10), NetworkTimeout = TimeSpan.FromSeconds(5) } };
        var store = new AzureBlobStore(new BlobContainerClient(connectionString, "conclave-unreachable", options));

        var error = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetLengthAsync(NewName(), Ct));

        Assert.Equal(0, error.Status);
        Assert.Contains("no response", error.Message);
        AssertNoSecret(error, WrongKey);
    }

    public static TheoryData<string, string> MalformedConnectionStrings => new()
    {
        { "no pairs", $"just-some-text-{WrongKey}" },
        { "no account information", $"Foo={WrongKey};Bar=baz" },
        { "key that is not base64", "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=not*base64*secret-value" },
    };

    [Theory]
    [MemberData(nameof(MalformedConnectionStrings))]
    public void AMalformedConnectionStringIsRejectedWithoutRepeatingIt(string label, string connectionString)
    {
        _ = label;
        var error = Assert.Throws<ArgumentException>(() => AzureBlobStore.Create(connectionString, "files"));
        Assert.Equal("connectionString", error.ParamName);
        AssertNoSecret(error, connectionString.Length > 40 ? WrongKey : "secret-value");
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData("Files")]
    [InlineData("-files")]
    [InlineData("files-")]
    [InlineData("my--files")]
    [InlineData("my_files")]
    public void CreateRejectsAnInvalidContainerName(string containerName)
    {
        var error = Assert.Throws<ArgumentException>(() => AzureBlobStore.Create(AzuriteContainerFixture.ConnectionString, containerName));
        Assert.Equal("containerName", error.ParamName);
    }

    [Fact]
    public void CreateAcceptsValidContainerNames()
    {
        foreach (string name in new[] { "abc", "files", "conclave-files-1", new string('a', 63) })
            Assert.Equal(name, AzureBlobStore.Create(AzuriteContainerFixture.ConnectionString, name).ContainerName);
        Assert.Throws<ArgumentException>(() => AzureBlobStore.Create(AzuriteContainerFixture.ConnectionString, new string('a', 64)));
    }

    private BlobContainerClient ClientWith(HttpPipelinePolicy policy)
    {
        var options = AzuriteContainerFixture.NewOptions();
        options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        return new BlobContainerClient(AzuriteContainerFixture.ConnectionString, azure.ContainerName, options);
    }

    private static void AssertNoSecret(Exception error, string secret)
    {
        Assert.Null(error.InnerException);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AzuriteContainerFixture.ConnectionString, error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsPutBlock(HttpMessage message) =>
        message.Request.Method == RequestMethod.Put && message.Request.Uri.Query.Contains("blockid=", StringComparison.Ordinal);

    /// <summary>Records the Content-MD5 header of every Put Block request.</summary>
    private sealed class RequestRecorder : HttpPipelineSynchronousPolicy
    {
        public ConcurrentQueue<string> ContentMd5s { get; } = new();

        public override void OnSendingRequest(HttpMessage message)
        {
            if (IsPutBlock(message)) ContentMd5s.Enqueue(message.Request.Headers.TryGetValue("Content-MD5", out string? md5) ? md5 : "(none)");
        }
    }

    /// <summary>Flips one bit of every Put Block body after the SDK computed its MD5: what a faulty network or proxy
    /// would do.</summary>
    private sealed class CorruptingPolicy : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            if (!IsPutBlock(message) || message.Request.Content is null) return;
            using var body = new MemoryStream();
            message.Request.Content.WriteTo(body, message.CancellationToken);
            byte[] bytes = body.ToArray();
            bytes[^1] ^= 1;
            message.Request.Content = RequestContent.Create(bytes);
        }
    }
}
