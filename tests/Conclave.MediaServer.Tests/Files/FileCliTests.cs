using System.Security.Cryptography;
using System.Text.Json;
using Conclave.Cli;
using Conclave.Client;
using Conclave.FileStore;
using Microsoft.Extensions.DependencyInjection;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// <c>conclave send</c>, <c>files</c> and <c>receive</c> against the real server: each person is a CLI login in its own
/// profile directory, with its own device keys; files are encrypted and decrypted by the CLI, and the server's copy
/// holds no run of the plaintext.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FileCliTests(ServerFixture fixture) : IDisposable
{
    private readonly List<string> _directories = [];

    public void Dispose()
    {
        foreach (string directory in _directories) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_file_sent_to_a_user_is_listed_by_name_received_byte_for_byte_and_refused_to_a_stranger()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser alice = await LoginAsync(room, "Alice Martin");
        CliUser bruno = await LoginAsync(room, "Bruno Petit");
        CliUser eve = await LoginAsync(await fixture.CreateRoomAsync(), "Eve Stranger");
        await RunAsync(bruno, "whoami");                                  // logged in; keys are registered on first file command
        (int listed, _, _) = await RunAsync(bruno, "files");
        Assert.Equal(0, listed);

        byte[] data = RandomNumberGenerator.GetBytes(9 * 1024 * 1024 + 12345);
        string source = Path.Combine(alice.Home, "Rapport final (v2).pdf");
        await File.WriteAllBytesAsync(source, data, Deadline.Token);
        (int sent, string id, string sendErr) = await RunAsync(alice, "send", source, "--to", bruno.UserId);
        Assert.True(sent == 0, sendErr);
        id = id.Trim();
        Assert.Contains("Encrypting and uploading", sendErr, StringComparison.Ordinal);   // the progress bar
        Assert.Contains("to 2 device(s)", sendErr, StringComparison.Ordinal);              // Bruno's and Alice's own

        (int files, string table, string filesErr) = await RunAsync(bruno, "files", "--json");
        Assert.True(files == 0, filesErr);
        using (JsonDocument list = JsonDocument.Parse(table))
        {
            JsonElement file = Assert.Single(list.RootElement.GetProperty("files").EnumerateArray());
            Assert.Equal(id, file.GetProperty("id").GetString());
            Assert.Equal("Rapport final (v2).pdf", file.GetProperty("name").GetString());
            Assert.Equal(data.Length, file.GetProperty("size").GetInt64());
            Assert.Equal("recipient", file.GetProperty("role").GetString());
        }

        string target = Path.Combine(bruno.Home, "received.pdf");
        (int received, string path, string receiveErr) = await RunAsync(bruno, "receive", id, "-o", target);
        Assert.True(received == 0, receiveErr);
        Assert.Equal(target, path.Trim());
        Assert.Equal(data, await File.ReadAllBytesAsync(target, Deadline.Token));
        (int again, _, string againErr) = await RunAsync(bruno, "receive", id, "-o", target);
        Assert.Equal(ExitCodes.Refused, again);                            // never overwrites
        Assert.Contains("exists", againErr, StringComparison.Ordinal);

        // Alice's own device can read it back too; Eve gets 403.
        (int own, _, string ownErr) = await RunAsync(alice, "receive", id, "-o", Path.Combine(alice.Home, "back.pdf"));
        Assert.True(own == 0, ownErr);
        (int refused, _, string refusedErr) = await RunAsync(eve, "receive", id, "-o", Path.Combine(eve.Home, "x"));
        Assert.Equal(ExitCodes.Refused, refused);
        Assert.Contains("forbidden", refusedErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(eve.Home, "x")));

        // The stored blob is ciphertext: no 64-byte run of the plaintext is in it.
        byte[] stored = await File.ReadAllBytesAsync(Path.Combine(fixture.Server.DataDirectory, "files", "blobs", id), Deadline.Token);
        Assert.False(PlaintextRuns.Contains(stored, data), "the stored file holds a run of the plaintext");
    }

    [Fact]
    public async Task Sending_to_a_room_gives_every_member_the_key()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser alice = await LoginAsync(room, "Alice");
        CliUser bruno = await LoginAsync(room, "Bruno");
        CliUser carla = await LoginAsync(room, "Carla");
        foreach (CliUser p in new[] { bruno, carla }) Assert.Equal(0, (await RunAsync(p, "files")).Exit);   // registers their device keys
        string source = Path.Combine(alice.Home, "notes.txt");
        await File.WriteAllTextAsync(source, "Réunion de crise à 14 h.", Deadline.Token);
        (int sent, string id, string err) = await RunAsync(alice, "send", source, "--room", room);
        Assert.True(sent == 0, err);
        foreach (CliUser p in new[] { bruno, carla })
        {
            string target = Path.Combine(p.Home, "notes.txt");
            Assert.Equal(0, (await RunAsync(p, "receive", id.Trim(), "-o", target)).Exit);
            Assert.Equal("Réunion de crise à 14 h.", await File.ReadAllTextAsync(target, Deadline.Token));
        }
        (int notMember, _, string notMemberErr) = await RunAsync(alice, "send", source, "--room", "no-such-room");
        Assert.Equal(ExitCodes.Refused, notMember);
        Assert.Contains("room-not-found", notMemberErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_send_interrupted_part_way_resumes_from_the_servers_offset_when_run_again()
    {
        // The store holds every block from 16 MiB on: the upload stops there, at a known point, until the test opens it.
        string storeDirectory = Directory.CreateTempSubdirectory("conclave-gated-").FullName;
        _directories.Add(storeDirectory);
        var gated = new GatedBlobStore(storeDirectory, gateOffset: 16L * 1024 * 1024);
        await using TestServer server = await TestServer.StartAsync(services: s => s.AddSingleton<IBlobStore>(gated));
        string room = await CreateRoomAsync(server);
        CliUser alice = await LoginAsync(room, "Alice", server);
        CliUser bruno = await LoginAsync(room, "Bruno", server);
        Assert.Equal(0, (await RunAsync(bruno, "files")).Exit);
        byte[] data = RandomNumberGenerator.GetBytes(40 * 1024 * 1024);
        string source = Path.Combine(alice.Home, "big.bin");
        await File.WriteAllBytesAsync(source, data, Deadline.Token);

        // Ctrl+C once the server holds the first 16 MiB (two 8 MiB blocks).
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        Task<(int Exit, string Out, string Err)> first = RunAsync(alice, interrupt.Token, "send", source, "--to", bruno.UserId);
        string uploads = Path.Combine(alice.Home, "uploads");
        using ConclaveApiClient api = ConclaveApiClient.Create(server.BaseAddress, alice.Token);
        string fileId = await PollAsync(async () =>
        {
            string? pending = Directory.Exists(uploads) ? Directory.GetFiles(uploads, "*.json").SingleOrDefault() : null;
            if (pending is null) return null;
            string id = JsonDocument.Parse(await File.ReadAllTextAsync(pending, Deadline.Token)).RootElement.GetProperty("fileId").GetString()!;
            return (await api.GetFileAsync(id, Deadline.Token)).Offset >= gated.GateOffset ? id : null;
        });
        await interrupt.CancelAsync();
        (int firstExit, _, string firstErr) = await first;
        Assert.True(firstExit == ExitCodes.Cancelled, firstErr);
        string pendingFile = Assert.Single(Directory.GetFiles(uploads, "*.json"));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pendingFile));
        Assert.Equal(gated.GateOffset, (await api.GetFileAsync(fileId, Deadline.Token)).Offset);
        gated.Open();

        (int second, string id, string secondErr) = await RunAsync(alice, "send", source, "--to", bruno.UserId);
        Assert.True(second == 0, secondErr);
        Assert.Equal(fileId, id.Trim());
        Assert.Contains("Resumed", secondErr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(uploads, "*.json"));
        string target = Path.Combine(bruno.Home, "big.bin");
        Assert.Equal(0, (await RunAsync(bruno, "receive", fileId, "-o", target)).Exit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(target, Deadline.Token)));

        // A file changed since an interruption is never resumed with the same key and nonces: it starts afresh.
        await File.WriteAllBytesAsync(source, data[..1000], Deadline.Token);
        (int third, string newId, _) = await RunAsync(alice, "send", source, "--to", bruno.UserId);
        Assert.Equal(0, third);
        Assert.NotEqual(fileId, newId.Trim());
    }

    [Fact]
    public async Task Clear_errors_for_a_missing_file_no_recipient_an_unknown_one_and_a_bad_id()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser alice = await LoginAsync(room, "Alice");
        string source = Path.Combine(alice.Home, "a.txt");
        await File.WriteAllTextAsync(source, "x", Deadline.Token);
        (int missing, _, string missingErr) = await RunAsync(alice, "send", Path.Combine(alice.Home, "nope.txt"), "--to", "u-x");
        Assert.Equal(ExitCodes.Usage, missing);
        Assert.Contains("no file", missingErr, StringComparison.Ordinal);
        (int nobody, _, string nobodyErr) = await RunAsync(alice, "send", source);
        Assert.Equal(ExitCodes.Usage, nobody);
        Assert.Contains("--to USER", nobodyErr, StringComparison.Ordinal);
        (int unknown, _, string unknownErr) = await RunAsync(alice, "send", source, "--to", "u-nobody-here");
        Assert.Equal(ExitCodes.Refused, unknown);
        Assert.Contains("user-not-found", unknownErr, StringComparison.Ordinal);
        (int badId, _, string badIdErr) = await RunAsync(alice, "receive", "../../etc/passwd");
        Assert.Equal(ExitCodes.Usage, badId);
        Assert.Contains("not a file id", badIdErr, StringComparison.Ordinal);
    }

    private static async Task<string> CreateRoomAsync(TestServer server)
    {
        string name = "room-" + Guid.NewGuid().ToString("N")[..12];
        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        await admin.CreateRoomAsync(new CreateRoomRequest(name), Deadline.Token);
        return name;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe) where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        while (true)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(20, deadline.Token);
        }
    }

    private async Task<CliUser> LoginAsync(string room, string name, TestServer? server = null)
    {
        CliUser user = await CliUser.LoginAsync(server ?? fixture.Server, room, name);
        _directories.Add(user.Home);
        return user;
    }

    private static Task<(int Exit, string Out, string Err)> RunAsync(CliUser user, params string[] args) => user.RunAsync(args);

    private static Task<(int Exit, string Out, string Err)> RunAsync(CliUser user, CancellationToken cancellationToken, params string[] args) =>
        user.RunAsync(cancellationToken, null, args);
}
