using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// The round trip: a 300 MiB random file sent with the client library into Azurite (the connection cut
/// part-way, the upload resumed from the server's offset), received byte-identical by its recipient, and the blob in
/// Azurite holding no 64-byte run of the plaintext.
/// </summary>
public sealed class LargeFileRoundTripTests : IAsyncLifetime
{
    private const int Size = 300 * 1024 * 1024;
    private readonly string _container = "large-" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _connection = Environment.GetEnvironmentVariable("CONCLAVE_TEST_AZURE_STORAGE") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("CONCLAVE_TEST_AZURE_STORAGE is not set: run the tests with ./scripts/test.sh, which starts Azurite");
    private readonly string _directory = Directory.CreateTempSubdirectory("conclave-large-").FullName;
    private TestServer? _server;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Conclave:Files:Store"] = "AzureBlob",
        ["Conclave:Files:ConnectionString"] = _connection,
        ["Conclave:Files:Container"] = _container,
        ["Logging:LogLevel:Default"] = "Information",
    });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        await new BlobContainerClient(_connection, _container).DeleteIfExistsAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_300_MiB_file_cut_part_way_resumes_and_arrives_byte_identical_and_Azurite_holds_only_ciphertext()
    {
        TestServer server = _server!;
        byte[] plaintext = RandomNumberGenerator.GetBytes(Size);
        string source = Path.Combine(_directory, "archive.tar");
        await File.WriteAllBytesAsync(source, plaintext, Deadline.Token);

        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        string room = "large-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        RedeemResponse alice = await RedeemAsync(server, admin, room, "Alice");
        RedeemResponse bruno = await RedeemAsync(server, admin, room, "Bruno");

        // Alice sends through a proxy that resets her connection once 100 MiB have gone through it.
        await using var proxy = new CuttingProxy(server.BaseAddress, cutAfter: 100L * 1024 * 1024);
        using DeviceIdentity aliceDevice = DeviceIdentity.Generate();
        using DeviceIdentity brunoDevice = DeviceIdentity.Generate();
        using ConclaveApiClient aliceApi = ConclaveApiClient.Create(proxy.Address, alice.Token);
        using HttpClient aliceTransfers = Transfers(proxy.Address);
        var aliceFiles = new SecureFiles(aliceApi, aliceTransfers, alice.Token, aliceDevice, alice.UserId);
        using ConclaveApiClient brunoApi = ConclaveApiClient.Create(server.BaseAddress, bruno.Token);
        using HttpClient brunoTransfers = Transfers(server.BaseAddress);
        var brunoFiles = new SecureFiles(brunoApi, brunoTransfers, bruno.Token, brunoDevice, bruno.UserId);
        await aliceFiles.RegisterDeviceAsync(Deadline.Token);
        await brunoFiles.RegisterDeviceAsync(Deadline.Token);

        int retries = 0;
        aliceFiles.Retrying += _ => Interlocked.Increment(ref retries);
        SentFile sent = await aliceFiles.SendAsync(source, [bruno.UserId], new PendingUploadStore(Path.Combine(_directory, "pending")), null,
            Deadline.After(TimeSpan.FromMinutes(10)));
        Assert.Equal(1, proxy.Cuts);
        Assert.True(retries >= 1, "the cut was not noticed");
        Assert.Equal(Size, sent.Size);

        // Bruno receives it whole.
        string target = Path.Combine(_directory, "received.tar");
        (var manifest, string written) = await brunoFiles.ReceiveAsync(sent.FileId, target, _directory, null, Deadline.After(TimeSpan.FromMinutes(10)));
        Assert.Equal("archive.tar", manifest.Name);
        Assert.Equal(SHA256.HashData(plaintext), await HashFileAsync(written));

        // The blob in Azurite is the ciphertext only.
        BlobClient blob = new BlobContainerClient(_connection, _container).GetBlobClient(sent.FileId);
        Assert.Equal(sent.EncryptedLength, (await blob.GetPropertiesAsync(cancellationToken: Deadline.Token)).Value.ContentLength);
        await using Stream stored = await blob.OpenReadAsync(cancellationToken: Deadline.Token);
        Assert.False(PlaintextRuns.Contains(stored, PlaintextRuns.Index(plaintext), plaintext), "the blob holds a run of the plaintext");
    }

    private static HttpClient Transfers(Uri server) =>
        ConclaveApiClient.CreateHttpClient(server, new ConclaveClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });

    private static async Task<RedeemResponse> RedeemAsync(TestServer server, ConclaveApiClient admin, string room, string name)
    {
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(name), Deadline.Token);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(server.BaseAddress);
        return await anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token);
    }

    private static async Task<byte[]> HashFileAsync(string path)
    {
        await using FileStream file = File.OpenRead(path);
        return await SHA256.HashDataAsync(file, Deadline.Token);
    }
}
