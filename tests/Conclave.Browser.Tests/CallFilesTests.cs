using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Files;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Playwright;

using Conclave.MediaServer.Tests.Files;

namespace Conclave.Browser.Tests;

/// <summary>
/// Files shared into an end-to-end encrypted call from the call page (Clients/web/files/call-files.js; docs/web-client.md,
/// "Files"): the page encrypts the file, uploads it with the vendored tus-js-client to <c>/api/uploads</c>, wraps its
/// key to the signed roster's devices and announces it (<c>file-offer</c>); the others list it (<c>file-offered</c>),
/// download, check and decrypt it, and save it only when whole. The server's blob holds ciphertext only, and a file
/// changed on the server is refused with nothing saved. A .NET participant of the call gets a key it can open.
/// </summary>
public sealed class CallFilesTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Three chunks of the format (4 MiB) and two tus PATCHes (8 MiB), the last of each partial.</summary>
    private const int Size = 9 * 1024 * 1024 + 12_345;
    private const string Name = "rapport d’étape é.bin";
    private const string MediaType = "application/octet-stream";

    [Fact]
    public async Task A_file_shared_by_one_page_downloads_decrypted_on_the_other_the_server_holds_only_ciphertext_and_a_tampered_one_saves_nothing()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit");
        (Person alice, Person bruno) = (call.People[0], call.People[1]);
        // Alice's user, not her session: a machine busy enough to miss heartbeats may give her page a new session.
        string aliceUser = await alice.Page.EvaluateAsync<string>(
            "() => { const s = window.conclave.state(); return s.participants.find(p => p.sessionId === s.sessionId).userId; }");
        byte[] plaintext = RandomNumberGenerator.GetBytes(Size);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(plaintext));
        var uploads = new ConcurrentQueue<(string Method, string Url, string? Metadata, string? Resumable)>();
        alice.Page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/uploads", StringComparison.Ordinal))
                uploads.Enqueue((request.Method, request.Url, request.Headers.GetValueOrDefault("upload-metadata"), request.Headers.GetValueOrDefault("tus-resumable")));
        };

        // Alice picks the file; it is encrypted, uploaded, wrapped to both pages' devices, and Bruno's page is told.
        await alice.Page.SetInputFilesAsync("#file-input", new FilePayload { Name = Name, MimeType = MediaType, Buffer = plaintext });
        await alice.WaitForStateAsync("s.files.length === 1 && s.files[0].status === 'offered' && s.files[0].progress === 1 && s.files[0].notified === 1 && s.files[0].error === null");
        string fileId = await alice.Page.EvaluateAsync<string>("() => window.conclave.state().files[0].fileId");
        await bruno.WaitForStateAsync(
            $"s.files.some(f => f.fileId === '{fileId}' && f.name === {Js(Name)} && f.size === {Size} && f.from === s.participants.find(p => p.userId === '{aliceUser}')?.sessionId && f.status === 'offered' && f.error === null)");

        // Bruno downloads it: the browser saves exactly the plaintext, under the sealed name.
        var downloads = new ConcurrentQueue<string>();
        bruno.Page.Download += (_, download) => downloads.Enqueue(download.SuggestedFilename);
        ILocator downloadButton = bruno.Page.GetByRole(AriaRole.Button, new() { Name = $"Download: {Name}" });
        IDownload saved = await bruno.Page.RunAndWaitForDownloadAsync(() => downloadButton.ClickAsync());
        Assert.Equal(Name, saved.SuggestedFilename);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(await saved.PathAsync(), ct))));
        await bruno.WaitForStateAsync($"s.files.some(f => f.fileId === '{fileId}' && f.status === 'saved' && f.progress === 1 && f.sha256 === '{sha256}' && f.error === null)");

        // The upload was tus-js-client's, through /api/uploads: a POST naming only the file id and the length of the head
        // sent last (docs/files.md, "Head last"), PATCHes to the upload, and the file is complete at exactly the encrypted
        // length, with a key for each page's device.
        var manifest = new FileManifest(Name, MediaType, Size, SHA256.HashData(plaintext));
        long length = FileEncryptor.EncryptedLength(manifest);
        int headLength = FileHeader.Length + manifest.EncodedLength + FileHeader.TagLength;
        string origin = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Contains(alice.Requests, url => url == $"{origin}/vendor/tus/tus.js");
        Assert.Single(uploads, u => u.Method == "POST" && u.Url == $"{origin}/api/uploads"
            && u.Metadata == $"id {Base64(fileId)},head-last {Base64(headLength.ToString(CultureInfo.InvariantCulture))}" && u.Resumable == "1.0.0");
        Assert.Equal(2, uploads.Count(u => u.Method == "PATCH" && u.Url == $"{origin}/api/uploads/{fileId}"));
        using ConclaveApiClient api = ConclaveApiClient.Create(fixture.Server.BaseAddress, await TokenAsync(alice));
        FileDto file = await api.GetFileAsync(fileId, ct);
        Assert.True(file.Complete);
        Assert.Equal((length, length), (file.Length, file.Offset));
        Assert.Equal(2, file.Keys.Select(k => k.UserId).Distinct().Count());
        Assert.All(file.Keys, k => Assert.Equal(1650, k.Wrap.Length));   // both pages registered X-Wing keys
        Assert.Equal(length, await alice.Page.EvaluateAsync<long>("() => window.conclave.state().files[0].length"));

        // The blob holds ciphertext only: not one 64-byte run of the plaintext.
        string blobPath = Path.Combine(fixture.Server.DataDirectory, "files", "blobs", fileId);
        byte[] blob = await File.ReadAllBytesAsync(blobPath, ct);
        Assert.Equal(length, blob.Length);
        Assert.False(PlaintextRuns.Contains(blob, plaintext), "the stored blob holds a run of the plaintext");

        // The head sent last was committed in front: the blob starts with the header.
        Assert.True(FileHeader.TryRead(blob, out FileHeader stored) && stored.HeadLength == headLength, "the blob does not start with its header");

        // One bit of chunk 1 changes on the server: Bruno's page says the file was altered and saves nothing.
        using (FileStream onDisk = new(blobPath, FileMode.Open, FileAccess.ReadWrite))
        {
            long at = headLength + FileHeader.DefaultChunkSize + FileHeader.TagLength + 1000;
            onDisk.Position = at;
            byte b = (byte)onDisk.ReadByte();
            onDisk.Position = at;
            onDisk.WriteByte((byte)(b ^ 0x20));
        }
        await downloadButton.ClickAsync();
        await bruno.WaitForStateAsync($"s.files.some(f => f.fileId === '{fileId}' && f.status === 'failed' && f.error === 'tampered' && f.sha256 === null)");
        await Assertions.Expect(bruno.Page.Locator($"[data-file=\"{fileId}\"] .file-error")).ToContainTextAsync("altered");
        Assert.Equal(new[] { Name }, downloads);   // the first download only
        Assert.Empty(alice.PageErrors);
        Assert.Empty(bruno.PageErrors);
    }

    [Fact]
    public async Task A_dotnet_participant_of_the_call_is_sent_a_key_it_opens_with_SecureFiles()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin");
        Person alice = call.People[0];

        // Léa joins from the .NET client (keys only, no media), signed, with X-Wing keys registered.
        using DeviceIdentity lea = DeviceIdentity.Generate();
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(fixture.Server.BaseAddress);
        RedeemResponse user = await anonymous.RedeemInvitationAsync(new Uri(await fixture.InviteAsync(call.Room, "Léa Partie")), ct);
        using ConclaveApiClient leaApi = ConclaveApiClient.Create(fixture.Server.BaseAddress, user.Token);
        using HttpClient transfers = ConclaveApiClient.CreateHttpClient(fixture.Server.BaseAddress, new ConclaveClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        var leaFiles = new SecureFiles(leaApi, transfers, user.Token, lea, user.UserId);
        await leaFiles.RegisterDeviceAsync(ct);
        await using SignalingClient signaling = new();
        await signaling.ConnectAsync(fixture.Server.BaseAddress, user.Token, cancellationToken: ct);
        await using EncryptedCall leasCall = await EncryptedCall.JoinAsync(signaling, lea, call.Room, new NoMedia(), cancellationToken: ct);
        await alice.WaitForStateAsync("s.participants.length === 2 && s.participants.every(p => p.signed)");

        byte[] plaintext = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7);
        await alice.Page.SetInputFilesAsync("#file-input", new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = plaintext });
        await alice.WaitForStateAsync("s.files.length === 1 && s.files[0].status === 'offered' && s.files[0].notified === 1");
        string fileId = await alice.Page.EvaluateAsync<string>("() => window.conclave.state().files[0].fileId");

        // Léa's device has an X-Wing wrap signed by Alice's page, which SecureFiles checks against Alice's devices.
        FileDto shared = await leaApi.GetFileAsync(fileId, ct);
        FileKeyDto key = Assert.Single(shared.Keys);
        Assert.Equal((user.UserId, SecureFiles.DeviceDigest(DevicePublicKeys.Of(lea).ToBytes()), 1650), (key.UserId, key.Device, key.Wrap.Length));
        string directory = Directory.CreateTempSubdirectory("conclave-call-files-").FullName;
        try
        {
            (FileManifest manifest, string path) = await leaFiles.ReceiveAsync(fileId, null, directory, null, ct);
            Assert.Equal(("notes.txt", "text/plain", (long)plaintext.Length), (manifest.Name, manifest.MediaType, manifest.Size));
            Assert.Equal(plaintext, await File.ReadAllBytesAsync(path, ct));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        await leasCall.LeaveAsync(ct);
        Assert.Empty(alice.PageErrors);
    }

    [Fact]
    public async Task The_vendored_tus_js_client_is_served_as_pinned()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        string manifest = await http.GetStringAsync("/vendor/tus/MANIFEST.txt", ct);
        Assert.Matches(@"(?m)^tus-js-client@4\.3\.1  sha512-[A-Za-z0-9+/]{86}==$", manifest);
        string[][] files = [.. manifest.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("tus-js-client@", StringComparison.Ordinal))
            .Select(l => l.Split("  "))];
        Assert.Equal(["tus.js", "LICENSE.txt"], files.Select(f => f[0]));
        foreach (string[] file in files)
        {
            using HttpResponseMessage response = await http.GetAsync("/vendor/tus/" + file[0], ct);
            Assert.True(response.IsSuccessStatusCode, $"{file[0]}: {response.StatusCode}");
            byte[] body = await response.Content.ReadAsByteArrayAsync(ct);
            Assert.Equal(file[1], Convert.ToHexStringLower(SHA256.HashData(body)));
            if (file[0].EndsWith(".js", StringComparison.Ordinal)) Assert.Contains("javascript", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            else Assert.StartsWith("The MIT License", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        }
    }

    /// <summary>The page's bearer token, as it keeps it after redeeming its invitation.</summary>
    private static Task<string> TokenAsync(Person person) => person.Page.EvaluateAsync<string>("""
        () => {
          const key = Object.keys(localStorage).find((k) => k.startsWith('conclave.invite.'));
          return JSON.parse(localStorage.getItem(key)).token;
        }
        """);

    /// <summary>A JavaScript string literal.</summary>
    private static string Js(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>A participant without media: the call's keys are kept nowhere.</summary>
    private sealed class NoMedia : ICallKeySink
    {
        public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey) { }

        public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey) { }
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
