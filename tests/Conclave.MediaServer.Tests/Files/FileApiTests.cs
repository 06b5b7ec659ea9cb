using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Conclave.Grains;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// The file API over real sockets: downloads with byte ranges (RFC 9110 §14), who may download (owner and recipients;
/// 403 for anyone else, 404 for unknown ids, 409 while uploading), sharing by wrapped keys, the audit log, the list,
/// deletion, and users' registered devices.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FileApiTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("bytes=0-9", 0, 10)]
    [InlineData("bytes=100-", 100, 900)]
    [InlineData("bytes=-25", 975, 25)]
    [InlineData("bytes=990-5000", 990, 10)]
    [InlineData("bytes=999-999", 999, 1)]
    public async Task A_range_gives_206_with_those_bytes_and_their_content_range(string range, int start, int count)
    {
        using TusRequests owner = await TusUploadTests.UserAsync(fixture.Server);
        byte[] data = RandomNumberGenerator.GetBytes(1000);
        string id = await owner.UploadAsync(data);
        using HttpResponseMessage response = await owner.DownloadAsync(id, range);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes {start}-{start + count - 1}/1000", response.Content.Headers.ContentRange!.ToString());
        Assert.Equal(data[start..(start + count)], await response.Content.ReadAsByteArrayAsync(Deadline.Token));
    }

    [Fact]
    public async Task A_range_past_the_end_is_416_and_several_ranges_get_the_whole_file()
    {
        using TusRequests owner = await TusUploadTests.UserAsync(fixture.Server);
        byte[] data = RandomNumberGenerator.GetBytes(1000);
        string id = await owner.UploadAsync(data);
        using (HttpResponseMessage beyond = await owner.DownloadAsync(id, "bytes=1000-"))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
            Assert.Equal("bytes */1000", beyond.Content.Headers.ContentRange!.ToString());
        }
        using (HttpResponseMessage several = await owner.DownloadAsync(id, "bytes=0-1,5-6"))
        {
            Assert.Equal(HttpStatusCode.OK, several.StatusCode);
            Assert.Equal(data, await several.Content.ReadAsByteArrayAsync(Deadline.Token));
        }
        using (HttpResponseMessage whole = await owner.DownloadAsync(id))
        {
            Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
            Assert.Equal(1000, whole.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task Only_the_owner_and_recipients_download_others_get_403_unknown_ids_404_and_unfinished_uploads_409()
    {
        using TusRequests owner = await TusUploadTests.UserAsync(fixture.Server);
        (TusRequests recipient, string recipientId) = await UserWithIdAsync();
        (TusRequests stranger, _) = await UserWithIdAsync();
        using (recipient)
        using (stranger)
        {
            byte[] data = RandomNumberGenerator.GetBytes(5000);
            string id = await owner.UploadAsync(data);

            using (HttpResponseMessage r = await recipient.DownloadAsync(id)) await AssertRefusedAsync(r, HttpStatusCode.Forbidden, ApiErrorCodes.Forbidden);
            using (HttpResponseMessage r = await PutKeysAsync(owner, id, new FileKeyDto(recipientId, "ZGV2aWNl", "opaque-wrap-for-the-recipient")))
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(data, await TusUploadTests.DownloadAsync(recipient, id));
            using (HttpResponseMessage r = await stranger.DownloadAsync(id)) await AssertRefusedAsync(r, HttpStatusCode.Forbidden, ApiErrorCodes.Forbidden);
            using (HttpResponseMessage r = await stranger.DownloadAsync(id, "bytes=0-10")) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            using (HttpResponseMessage r = await stranger.DownloadAsync(TusRequests.NewFileId())) await AssertRefusedAsync(r, HttpStatusCode.NotFound, ApiErrorCodes.FileNotFound);
            using (HttpResponseMessage r = await stranger.DownloadAsync("..%2F..%2Fetc")) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);

            // A recipient may not share further, nor delete.
            using (HttpResponseMessage r = await PutKeysAsync(recipient, id, new FileKeyDto(recipientId, "ZGV2aWNl", "x"))) Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            using (HttpResponseMessage r = await recipient.Http.SendAsync(recipient.Request(HttpMethod.Delete, $"/api/files/{id}", tus: false), Deadline.Token))
                Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);

            string unfinished = TusRequests.NewFileId();
            (await owner.CreateAsync(100, unfinished, new byte[10])).Dispose();
            using (HttpResponseMessage r = await owner.DownloadAsync(unfinished)) await AssertRefusedAsync(r, HttpStatusCode.Conflict, ApiErrorCodes.FileIncomplete);
        }
    }

    [Fact]
    public async Task The_owner_sees_every_key_and_the_audit_log_a_recipient_only_their_own_keys_and_both_list_the_file()
    {
        using TusRequests owner = await TusUploadTests.UserAsync(fixture.Server);
        (TusRequests alice, string aliceId) = await UserWithIdAsync();
        (TusRequests bruno, string brunoId) = await UserWithIdAsync();
        using (alice)
        using (bruno)
        {
            string id = await owner.UploadAsync(RandomNumberGenerator.GetBytes(300));
            using (HttpResponseMessage r = await PutKeysAsync(owner, id, new FileKeyDto(aliceId, "YQ", "wrap-a1"), new FileKeyDto(aliceId, "YTI", "wrap-a2"),
                new FileKeyDto(brunoId, "Yg", "wrap-b"))) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            (await alice.DownloadAsync(id, "bytes=0-31")).Dispose();
            (await bruno.DownloadAsync(id)).Dispose();

            FileDto asOwner = await GetAsync(owner, id);
            Assert.Equal("owner", asOwner.Role);
            Assert.True(asOwner.Complete);
            Assert.Equal(300, asOwner.Length);
            Assert.Equal(["wrap-a1", "wrap-a2", "wrap-b"], asOwner.Keys.Select(k => k.Wrap).Order());
            Assert.Equal([(aliceId, "bytes=0-31"), (brunoId, (string?)null)], asOwner.Downloads!.Select(d => (d.UserId, d.Range)));

            FileDto asAlice = await GetAsync(alice, id);
            Assert.Equal("recipient", asAlice.Role);
            Assert.Equal(["wrap-a1", "wrap-a2"], asAlice.Keys.Select(k => k.Wrap).Order());
            Assert.Null(asAlice.Downloads);
            Assert.Contains((await TusUploadTests.ListAsync(alice)).Files, f => f.Id == id && f.Role == "recipient");
            Assert.Contains((await TusUploadTests.ListAsync(owner)).Files, f => f.Id == id && f.Role == "owner");

            // Deleting takes it from everyone.
            using (HttpResponseMessage r = await owner.Http.SendAsync(owner.Request(HttpMethod.Delete, $"/api/files/{id}", tus: false), Deadline.Token))
                Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
            Assert.DoesNotContain((await TusUploadTests.ListAsync(alice)).Files, f => f.Id == id);
            using (HttpResponseMessage r = await alice.DownloadAsync(id)) Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }
    }

    [Fact]
    public async Task Keys_for_unknown_users_or_oversized_wraps_are_refused()
    {
        using TusRequests owner = await TusUploadTests.UserAsync(fixture.Server);
        string id = await owner.UploadAsync(RandomNumberGenerator.GetBytes(10));
        using (HttpResponseMessage r = await PutKeysAsync(owner, id, new FileKeyDto("u-nobody-at-all", "YQ", "w")))
            await AssertRefusedAsync(r, HttpStatusCode.BadRequest, ApiErrorCodes.UserNotFound);
        (TusRequests alice, string aliceId) = await UserWithIdAsync();
        using (alice)
        using (HttpResponseMessage r = await PutKeysAsync(owner, id, new FileKeyDto(aliceId, "YQ", new string('w', 5000))))
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using (HttpResponseMessage r = await PutKeysAsync(owner, TusRequests.NewFileId(), new FileKeyDto(aliceId, "YQ", "w")))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Fact]
    public async Task The_list_prunes_entries_of_files_that_are_gone_and_gives_their_quota_back()
    {
        (TusRequests alice, string aliceId) = await UserWithIdAsync();
        using (alice)
        {
            // What a node stopping between clearing a file and updating the lists leaves behind.
            IUserFilesGrain index = fixture.Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserFilesGrain>(aliceId);
            string ownedGone = TusRequests.NewFileId(), receivedGone = TusRequests.NewFileId();
            Assert.True(await index.ReserveAsync(ownedGone, 5000, long.MaxValue));
            await index.AddReceivedAsync(receivedGone);
            string kept = await alice.UploadAsync(RandomNumberGenerator.GetBytes(700));

            FileListDto list = await TusUploadTests.ListAsync(alice);
            Assert.Equal([kept], list.Files.Select(f => f.Id));
            Assert.Equal(700, list.ReservedBytes);
            UserFiles after = await index.ListAsync();
            Assert.Equal([kept], after.Owned);
            Assert.Empty(after.Received);
        }
    }

    [Fact]
    public async Task A_users_registered_devices_can_be_read_to_wrap_keys_to()
    {
        (TusRequests alice, string aliceId) = await UserWithIdAsync();
        using (alice)
        {
            byte[] keys = RandomNumberGenerator.GetBytes(65);
            HttpRequestMessage put = alice.Request(HttpMethod.Put, "/api/me/device-keys", tus: false);
            put.Content = JsonContent.Create(new DeviceKeysRequest(keys), ConclaveJsonContext.Default.DeviceKeysRequest);
            (await alice.Http.SendAsync(put, Deadline.Token)).Dispose();
            using TusRequests other = await TusUploadTests.UserAsync(fixture.Server);
            using HttpResponseMessage response = await other.Http.SendAsync(other.Request(HttpMethod.Get, $"/api/users/{aliceId}/devices", tus: false), Deadline.Token);
            UserDevicesDto devices = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(Deadline.Token), ConclaveJsonContext.Default.UserDevicesDto)!;
            Assert.Equal(aliceId, devices.UserId);
            Assert.Equal(keys, Assert.Single(devices.Devices).PublicKeys);
            using HttpResponseMessage unknown = await other.Http.SendAsync(other.Request(HttpMethod.Get, "/api/users/u-nobody/devices", tus: false), Deadline.Token);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
    }

    private async Task<(TusRequests Requests, string UserId)> UserWithIdAsync()
    {
        string room = await fixture.CreateRoomAsync();
        RedeemResponse user = await fixture.InviteAsync(room, "Recipient");
        return (new TusRequests(fixture.Server.BaseAddress, user.Token), user.UserId);
    }

    private static async Task<HttpResponseMessage> PutKeysAsync(TusRequests tus, string id, params FileKeyDto[] keys)
    {
        HttpRequestMessage request = tus.Request(HttpMethod.Put, $"/api/files/{id}/keys", tus: false);
        request.Content = JsonContent.Create(new FileKeysRequest(keys), ConclaveJsonContext.Default.FileKeysRequest);
        return await tus.Http.SendAsync(request, Deadline.Token);
    }

    private static async Task<FileDto> GetAsync(TusRequests tus, string id)
    {
        using HttpResponseMessage response = await tus.Http.SendAsync(tus.Request(HttpMethod.Get, $"/api/files/{id}", tus: false), Deadline.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(Deadline.Token), ConclaveJsonContext.Default.FileDto)!;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        await TusUploadTests.AssertCodeAsync(response, code);
    }
}
