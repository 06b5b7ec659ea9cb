using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// tus 1.0.0 conformance of <c>/api/uploads</c> over real sockets (core, creation, creation-with-upload, termination,
/// checksum, expiration), with the requests written out by hand, and the file store behind it (the local directory
/// of the embedded default here; Azurite in <see cref="AzureUploadTests"/>).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TusUploadTests(ServerFixture fixture)
{
    [Fact]
    public async Task Options_tells_the_version_extensions_largest_size_and_checksums_without_a_token()
    {
        using var tus = new TusRequests(fixture.Server.BaseAddress, "");
        using HttpResponseMessage response = await tus.Http.SendAsync(tus.Request(HttpMethod.Options, "/api/uploads", tus: false, auth: false), Deadline.Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", Header(response, "Tus-Version"));
        Assert.Equal("1.0.0", Header(response, "Tus-Resumable"));
        Assert.Equal(["checksum", "creation", "creation-with-upload", "expiration", "termination"], Header(response, "Tus-Extension").Split(',').Order());
        Assert.Equal((10L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "Tus-Max-Size"));
        Assert.Contains("sha1", Header(response, "Tus-Checksum-Algorithm").Split(','));
    }

    [Fact]
    public async Task A_request_without_Tus_Resumable_or_without_a_token_is_refused()
    {
        using var tus = await UserAsync();
        using HttpResponseMessage noVersion = await tus.Http.SendAsync(WithLength(tus.Request(HttpMethod.Post, "/api/uploads", tus: false), 10), Deadline.Token);
        Assert.Equal(HttpStatusCode.PreconditionFailed, noVersion.StatusCode);
        Assert.Equal("1.0.0", Header(noVersion, "Tus-Version"));
        using HttpResponseMessage anonymous = await tus.Http.SendAsync(WithLength(tus.Request(HttpMethod.Post, "/api/uploads", auth: false), 10), Deadline.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task An_upload_in_pieces_reports_its_offset_refuses_a_wrong_one_and_downloads_byte_for_byte()
    {
        using var tus = await UserAsync();
        byte[] data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(data.Length, id))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal($"/api/uploads/{id}", created.Headers.Location!.OriginalString);
            Assert.True(DateTimeOffset.Parse(Header(created, "Upload-Expires"), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        }
        using (HttpResponseMessage head = await tus.HeadAsync(id))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(0, TusRequests.Offset(head));
            Assert.Equal(data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(head, "Upload-Length"));
            Assert.True(head.Headers.CacheControl!.NoStore);
        }
        int[] cuts = [0, 1_000_000, 1_000_001, 2_500_000, data.Length];
        for (int i = 0; i + 1 < cuts.Length; i++)
        {
            using HttpResponseMessage patched = await tus.PatchAsync(id, cuts[i], data[cuts[i]..cuts[i + 1]]);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
            Assert.Equal(cuts[i + 1], TusRequests.Offset(patched));
        }
        using (HttpResponseMessage wrong = await tus.PatchAsync(id, 5, [1, 2, 3]))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
            await AssertCodeAsync(wrong, ApiErrorCodes.OffsetMismatch);
        }
        Assert.Equal(data, await DownloadAsync(tus, id));
    }

    [Fact]
    public async Task A_patch_at_a_stale_offset_gets_409_and_the_wrong_content_type_415()
    {
        using var tus = await UserAsync();
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(100, id)).Dispose();
        using HttpResponseMessage stale = await tus.PatchAsync(id, 10, new byte[10]);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(0, TusRequests.Offset(stale));
        using HttpResponseMessage wrongType = await tus.PatchAsync(id, 0, new byte[10], contentType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        using HttpResponseMessage tooLong = await tus.PatchAsync(id, 0, new byte[101]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLong.StatusCode);
        using HttpResponseMessage head = await tus.HeadAsync(id);
        Assert.Equal(0, TusRequests.Offset(head));
    }

    [Fact]
    public async Task Creation_with_upload_takes_the_first_bytes_with_the_post()
    {
        using var tus = await UserAsync();
        byte[] data = RandomNumberGenerator.GetBytes(50_000);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(data.Length, id, data[..20_000]))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(20_000, TusRequests.Offset(created));
        }
        using (HttpResponseMessage rest = await tus.PatchAsync(id, 20_000, data[20_000..]))
        {
            Assert.Equal(data.Length, TusRequests.Offset(rest));
            Assert.False(rest.Headers.Contains("Upload-Expires"));        // complete: it no longer expires as an upload
        }
        Assert.Equal(data, await DownloadAsync(tus, id));

        // The whole file in the POST. An empty upload is refused: no encrypted file is empty.
        string whole = await tus.UploadAsync(data);
        Assert.Equal(data, await DownloadAsync(tus, whole));
        using (HttpResponseMessage empty = await tus.CreateAsync(0, TusRequests.NewFileId())) Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("md5")]
    [InlineData("sha256")]
    public async Task A_body_matching_its_checksum_is_kept_and_one_that_does_not_gets_460_and_is_dropped(string algorithm)
    {
        using var tus = await UserAsync();
        byte[] data = RandomNumberGenerator.GetBytes(9 * 1024 * 1024 + 3);         // more than one 8 MiB block
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(data.Length, id)).Dispose();
        using HashAlgorithm hash = algorithm switch { "sha1" => SHA1.Create(), "md5" => MD5.Create(), _ => SHA256.Create() };
        byte[] wrong = hash.ComputeHash(data);
        wrong[0] ^= 1;
        using (HttpResponseMessage mismatch = await tus.PatchAsync(id, 0, data, $"{algorithm} {Convert.ToBase64String(wrong)}"))
        {
            Assert.Equal(460, (int)mismatch.StatusCode);
            await AssertCodeAsync(mismatch, ApiErrorCodes.ChecksumMismatch);
        }
        using (HttpResponseMessage head = await tus.HeadAsync(id)) Assert.Equal(0, TusRequests.Offset(head));
        using (HttpResponseMessage ok = await tus.PatchAsync(id, 0, data, $"{algorithm} {Convert.ToBase64String(hash.ComputeHash(data))}"))
            Assert.Equal(data.Length, TusRequests.Offset(ok));
        Assert.Equal(data, await DownloadAsync(tus, id));
    }

    [Fact]
    public async Task An_unknown_checksum_algorithm_is_a_bad_request()
    {
        using var tus = await UserAsync();
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(3, id)).Dispose();
        using HttpResponseMessage response = await tus.PatchAsync(id, 0, [1, 2, 3], "crc32 AAAAAA==");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Termination_deletes_the_upload_and_gives_its_quota_back()
    {
        using var tus = await UserAsync();
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(1000, id, new byte[400])).Dispose();
        Assert.Equal(1000, (await ListAsync(tus)).ReservedBytes);
        using (HttpResponseMessage deleted = await tus.DeleteAsync(id)) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (HttpResponseMessage head = await tus.HeadAsync(id)) Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        FileListDto list = await ListAsync(tus);
        Assert.Equal(0, list.ReservedBytes);
        Assert.DoesNotContain(list.Files, f => f.Id == id);
        using (HttpResponseMessage again = await tus.DeleteAsync(id)) Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Creation_refuses_deferred_lengths_clear_metadata_bad_ids_taken_ids_and_oversized_files()
    {
        using var tus = await UserAsync();
        HttpRequestMessage deferred = tus.Request(HttpMethod.Post, "/api/uploads");
        deferred.Headers.Add("Upload-Defer-Length", "1");
        using (HttpResponseMessage r = await tus.Http.SendAsync(deferred, Deadline.Token)) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (HttpResponseMessage r = await tus.Http.SendAsync(tus.Request(HttpMethod.Post, "/api/uploads"), Deadline.Token)) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (HttpResponseMessage r = await tus.CreateAsync(10, metadata: "filename " + Convert.ToBase64String("secret plan.pdf"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("filename", await r.Content.ReadAsStringAsync(Deadline.Token), StringComparison.Ordinal);
        }
        using (HttpResponseMessage r = await tus.CreateAsync(10, metadata: "id !!notbase64")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (HttpResponseMessage r = await tus.CreateAsync(10, "bad/id")) Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (HttpResponseMessage r = await tus.CreateAsync((10L << 30) + 1)) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(10, id)).Dispose();
        using var other = await UserAsync();
        using (HttpResponseMessage r = await other.CreateAsync(10, id))
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            await AssertCodeAsync(r, ApiErrorCodes.FileExists);
        }
        Assert.Equal(0, (await ListAsync(other)).ReservedBytes);              // the refused creation reserved nothing

        // Without an id the server makes one.
        using HttpResponseMessage anonymousId = await tus.CreateAsync(10);
        Assert.Equal(HttpStatusCode.Created, anonymousId.StatusCode);
        Assert.StartsWith("/api/uploads/", anonymousId.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_elses_upload_is_403_and_an_unknown_one_404()
    {
        using var owner = await UserAsync();
        using var stranger = await UserAsync();
        string id = TusRequests.NewFileId();
        (await owner.CreateAsync(10, id)).Dispose();
        using (HttpResponseMessage r = await stranger.HeadAsync(id)) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (HttpResponseMessage r = await stranger.PatchAsync(id, 0, new byte[10])) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (HttpResponseMessage r = await stranger.DeleteAsync(id)) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        using (HttpResponseMessage r = await owner.HeadAsync(id)) Assert.Equal(0, TusRequests.Offset(r));
        using (HttpResponseMessage r = await stranger.HeadAsync(TusRequests.NewFileId())) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        using (HttpResponseMessage r = await stranger.HeadAsync("not%2Fan-id")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Fact]
    public async Task A_body_cut_off_part_way_keeps_what_arrived_and_the_upload_resumes_from_there()
    {
        using var tus = await UserAsync();
        byte[] data = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        string id = TusRequests.NewFileId();
        (await tus.CreateAsync(data.Length, id)).Dispose();

        // The client sends 11 MiB of the 20 MiB body it announced, then its connection ends (FIN, over a raw socket so
        // nothing it sent is discarded).
        const int Sent = 11 * 1024 * 1024;
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await socket.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port, Deadline.Token);
            string head = $"PATCH /api/uploads/{id} HTTP/1.1\r\nHost: {fixture.Server.BaseAddress.Authority}\r\nTus-Resumable: 1.0.0\r\n"
                + $"Authorization: Bearer {tus.Token}\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                + $"Content-Length: {data.Length}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head), Deadline.Token);
            await socket.SendAsync(data.AsMemory(0, Sent), Deadline.Token);
            socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            // Stay until the server ends the connection (closing first could discard bytes it has not read yet).
            byte[] answer = new byte[4096];
            try
            {
                while (await socket.ReceiveAsync(answer, Deadline.Token) > 0)
                {
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Kestrel resets a connection whose body ended early: it has read all of it by then.
            }
        }

        // Resume from the server's offset, as a tus client does.
        long resumedAt = await tus.ResumeAsync(id, data);

        // The server kept what it read of the cut body, the part past the first 8 MiB block included. (Kestrel drops what
        // its input pipe still held when the body broke off, up to about 1 MiB, so not quite all of the 11 MiB.)
        Assert.InRange(resumedAt, 8 * 1024 * 1024 + 1, Sent);
        Assert.Equal(data, await DownloadAsync(tus, id));
    }

    [Fact]
    public async Task Several_users_upload_several_files_at_once_and_each_gets_their_own_bytes_back()
    {
        TusRequests[] users = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => UserAsync()));
        try
        {
            var uploads = users.SelectMany(u => Enumerable.Range(0, 3).Select(i => (User: u, Data: RandomNumberGenerator.GetBytes(1_000_000 + i * 777_777)))).ToArray();
            string[] ids = await Task.WhenAll(uploads.Select(async u =>
            {
                string id = TusRequests.NewFileId();
                (await u.User.CreateAsync(u.Data.Length, id)).Dispose();
                for (int offset = 0; offset < u.Data.Length; offset += 400_000)
                {
                    using HttpResponseMessage r = await u.User.PatchAsync(id, offset, u.Data[offset..Math.Min(u.Data.Length, offset + 400_000)]);
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                }
                return id;
            }));
            for (int i = 0; i < uploads.Length; i++) Assert.Equal(uploads[i].Data, await DownloadAsync(uploads[i].User, ids[i]));
        }
        finally
        {
            foreach (TusRequests user in users) user.Dispose();
        }
    }

    [Fact]
    public async Task The_quota_refuses_an_upload_that_would_exceed_it()
    {
        await using TestServer server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Conclave:Files:UserQuota"] = "1000" });
        using var tus = await UserAsync(server);
        using (HttpResponseMessage r = await tus.CreateAsync(600, TusRequests.NewFileId())) Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        using (HttpResponseMessage r = await tus.CreateAsync(600, TusRequests.NewFileId()))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            await AssertCodeAsync(r, ApiErrorCodes.QuotaExceeded);
        }
        using (HttpResponseMessage r = await tus.CreateAsync(400, TusRequests.NewFileId())) Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    [Fact]
    public async Task An_upload_not_completed_before_its_expiry_is_gone_and_the_sweep_deletes_its_blocks_and_quota()
    {
        await using TestServer server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Conclave:Files:UploadExpiry"] = "00:00:01",
            ["Conclave:Files:SweepInterval"] = "00:00:00.200",
        });
        using var tus = await UserAsync(server);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(100, id, new byte[10])) Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string staging = Path.Combine(server.DataDirectory, "files", "staging", id);
        Assert.True(Directory.Exists(staging));
        Assert.Equal(100, (await ListAsync(tus)).ReservedBytes);

        // Expired: 404 to every request, then the sweep removes the staged block and gives the quota back.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        while (true)
        {
            using HttpResponseMessage head = await tus.HeadAsync(id);
            if (head.StatusCode == HttpStatusCode.NotFound && !Directory.Exists(staging) && (await ListAsync(tus)).ReservedBytes == 0) break;
            await Task.Delay(100, deadline.Token);
        }
        using HttpResponseMessage patch = await tus.PatchAsync(id, 10, new byte[10]);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
    }

    internal static async Task<byte[]> DownloadAsync(TusRequests tus, string id)
    {
        using HttpResponseMessage response = await tus.DownloadAsync(id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(Deadline.Token);
    }

    internal static async Task<FileListDto> ListAsync(TusRequests tus)
    {
        using HttpResponseMessage response = await tus.Http.SendAsync(tus.Request(HttpMethod.Get, "/api/files", tus: false), Deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(Deadline.Token), Conclave.Signaling.Protocol.ConclaveJsonContext.Default.FileListDto)!;
    }

    internal static async Task AssertCodeAsync(HttpResponseMessage response, string code)
    {
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Deadline.Token));
        Assert.Equal(code, body.RootElement.GetProperty("code").GetString());
    }

    private async Task<TusRequests> UserAsync() => await UserAsync(fixture.Server, fixture);

    internal static async Task<TusRequests> UserAsync(TestServer server, ServerFixture? fixture = null)
    {
        using Conclave.Client.ConclaveApiClient admin = Conclave.Client.ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        string room = "files-" + Guid.NewGuid().ToString("N")[..10];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), Deadline.Token);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest("File User"), Deadline.Token);
        using Conclave.Client.ConclaveApiClient anonymous = Conclave.Client.ConclaveApiClient.Create(server.BaseAddress);
        RedeemResponse user = await anonymous.RedeemInvitationAsync(invitation.Code, Deadline.Token);
        return new TusRequests(server.BaseAddress, user.Token);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : response.Content.Headers.GetValues(name).Single();

    private static HttpRequestMessage WithLength(HttpRequestMessage request, long length)
    {
        request.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }
}
