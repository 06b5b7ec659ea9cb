using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Identity;
using Conclave.FileStore;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// A send is encrypted head last and read once (docs/files.md, "Head last"), so an interrupted send cannot compare the
/// whole file's hash before resuming: it checks the bytes it had encrypted (the pending record's prefix hash). A file
/// changed in those bytes, even with its size and write time put back, starts afresh under a new key (and the abandoned
/// upload is deleted), as does a damaged record; a change past them resumes, and the recipient gets the file as it is now.
/// </summary>
public sealed class SendResumeTests : IAsyncLifetime
{
    // Past the gate the server holds two 8 MiB blocks (one staging, one read ahead) and the connection a few MiB more:
    // at most about 45 MiB are encrypted before the send stops, well short of the last bytes.
    private const int Size = 96 * 1024 * 1024;
    private readonly string _directory = Directory.CreateTempSubdirectory("conclave-resume-").FullName;
    private readonly List<IDisposable> _disposables = [];
    private GatedBlobStore? _store;
    private TestServer? _server;

    public async ValueTask InitializeAsync()
    {
        // Every block from 16 MiB on waits until the test opens the gate: the first send stops there.
        _store = new GatedBlobStore(Path.Combine(_directory, "store"), gateOffset: 16L * 1024 * 1024);
        _server = await TestServer.StartAsync(services: s => s.AddSingleton<IBlobStore>(_store));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IDisposable disposable in _disposables) disposable.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_file_changed_in_the_bytes_already_sent_starts_afresh_even_with_its_size_and_time_restored() =>
        await InterruptChangeAndSendAgainAsync(changeAt: 1024 * 1024, damageRecord: false, expectResumed: false);

    [Fact]
    public async Task A_file_changed_only_past_the_bytes_already_sent_resumes_and_arrives_as_it_is_now() =>
        await InterruptChangeAndSendAgainAsync(changeAt: Size - 10, damageRecord: false, expectResumed: true);

    [Fact]
    public async Task A_damaged_pending_record_starts_afresh_instead_of_failing() =>
        await InterruptChangeAndSendAgainAsync(changeAt: null, damageRecord: true, expectResumed: false);

    private async Task InterruptChangeAndSendAgainAsync(int? changeAt, bool damageRecord, bool expectResumed)
    {
        (User alice, User bruno) = await UsersAsync();
        byte[] data = RandomNumberGenerator.GetBytes(Size);
        string source = Path.Combine(_directory, "report.pdf");
        await File.WriteAllBytesAsync(source, data, Deadline.Token);
        var pending = new PendingUploadStore(Path.Combine(_directory, "pending"));

        // The first send stops at the gate; it is cancelled once the server holds everything before it.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        Task first = alice.Files.SendAsync(source, [bruno.Id], pending, null, interrupt.Token);
        PendingUpload record = await PollAsync(async () => pending.Find(Path.GetFullPath(source)) is { } p
            && (await alice.Api.GetFileAsync(p.FileId, Deadline.Token)).Offset >= _store!.GateOffset ? p : null);
        await interrupt.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        record = pending.Find(Path.GetFullPath(source))!;
        Assert.InRange(record.HashedThrough, _store!.GateOffset, Size / 2);   // what was encrypted: the gate, and what went ahead of it
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data.AsSpan(0, (int)record.HashedThrough))), record.PrefixSha256);

        // Change one byte, and put the size and write time back as they were; or damage the record's hash.
        if (changeAt is int at)
        {
            DateTime written = File.GetLastWriteTimeUtc(source);
            data[at] ^= 0x5A;
            await File.WriteAllBytesAsync(source, data, Deadline.Token);
            File.SetLastWriteTimeUtc(source, written);
        }
        if (damageRecord) pending.Save(record with { PrefixSha256 = new string('z', 64) });
        _store.Open();

        SentFile sent = await alice.Files.SendAsync(source, [bruno.Id], pending, null, Deadline.Token);
        Assert.Equal(expectResumed, sent.Resumed);
        Assert.Equal(expectResumed, sent.FileId == record.FileId);
        Assert.Null(pending.Find(Path.GetFullPath(source)));
        if (!expectResumed)
        {
            // The abandoned upload was deleted, its quota given back.
            ConclaveApiException gone = await Assert.ThrowsAsync<ConclaveApiException>(() => alice.Api.GetFileAsync(record.FileId, Deadline.Token));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        }

        string target = Path.Combine(_directory, "received.pdf");
        (_, string path) = await bruno.Files.ReceiveAsync(sent.FileId, target, _directory, null, Deadline.Token);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(path, Deadline.Token)));
    }

    private sealed record User(string Id, ConclaveApiClient Api, SecureFiles Files);

    private async Task<(User Alice, User Bruno)> UsersAsync()
    {
        using ConclaveApiClient admin = ConclaveApiClient.Create(_server!.BaseAddress, _server.AdminToken);
        string room = "resume-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        return (await SignInAsync(admin, room, "Alice"), await SignInAsync(admin, room, "Bruno"));
    }

    private async Task<User> SignInAsync(ConclaveApiClient admin, string room, string name)
    {
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(name), Deadline.Token);
        RedeemResponse login;
        using (ConclaveApiClient anonymous = ConclaveApiClient.Create(_server!.BaseAddress))
            login = await anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token);
        var api = ConclaveApiClient.Create(_server.BaseAddress, login.Token);
        var transfers = ConclaveApiClient.CreateHttpClient(_server.BaseAddress, new ConclaveClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        var device = DeviceIdentity.Generate();
        _disposables.AddRange([api, transfers, device]);
        var files = new SecureFiles(api, transfers, login.Token, device, login.UserId);
        await files.RegisterDeviceAsync(Deadline.Token);
        return new User(login.UserId, api, files);
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe) where T : class
    {
        while (true)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(20, Deadline.Token);
        }
    }
}
