using System.Net;
using System.Security.Cryptography;
using System.Text;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// Uploads sent "head last" (docs/files.md, "Head last") over real sockets: <c>Upload-Metadata: head-last n</c> says the
/// client sends the file's bytes [n, length) first and its first n bytes after them. The server refuses an n outside
/// 1 to <c>Upload-Length</c> − 1, ends a block wherever the head starts (headStart = length − n, in upload order)
/// whatever the PATCH boundaries, and commits the blocks in file order, so the blob downloads as the file itself. The
/// files span several 8 MiB blocks (<c>Conclave:Files:BlockSize</c>, the default here) so that a block not cut at
/// headStart would straddle it.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TusHeadLastTests(ServerFixture fixture)
{
    private const int MiB = 1024 * 1024;
    private const int Size = 20 * MiB + 12345;                   // two 8 MiB blocks and a short third

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("1000")]                                       // the Upload-Length
    [InlineData("1001")]
    [InlineData("99999999999999999999")]
    public async Task A_head_last_outside_1_to_the_length_minus_1_is_a_bad_request(string value)
    {
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage refused = await tus.CreateAsync(1000, metadata: Metadata(id, value)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            await TusUploadTests.AssertCodeAsync(refused, ApiErrorCodes.BadRequest);
        }
        using (HttpResponseMessage head = await tus.HeadAsync(id)) Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(0, (await TusUploadTests.ListAsync(tus)).ReservedBytes);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("999")]
    public async Task A_head_last_from_1_to_the_length_minus_1_creates_the_upload(string value)
    {
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(1000, metadata: Metadata(id, value)))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using HttpResponseMessage head = await tus.HeadAsync(id);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(0, TusRequests.Offset(head));
    }

    /// <summary>n, and the upload offsets where one request ends and the next begins (none: one request).</summary>
    public static TheoryData<string, int, int[], bool> RotatedUploads => new()
    {
        { "a short head; one PATCH past headStart, then the rest", 1372, [Size - 1000], false },
        { "a short head; one PATCH of everything", 1372, [], false },
        { "a short head; the POST carries the bytes to past headStart", 1372, [Size - 1000], true },
        { "a head of more than a block; PATCHes of 5 MiB", 9 * MiB + 7, [5 * MiB, 10 * MiB, 15 * MiB, 20 * MiB], false },
        { "a head of more than a block; one PATCH of everything", 9 * MiB + 7, [], false },
        { "headStart on a block boundary", Size - 16 * MiB, [], false },
        { "a head of all but one byte", Size - 1, [], false },
    };

    [Theory]
    [MemberData(nameof(RotatedUploads))]
    public async Task A_rotated_upload_downloads_in_file_order(string name, int n, int[] cuts, bool inThePost)
    {
        _ = name;
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        (byte[] file, byte[] upload) = Rotated(n);
        string id = TusRequests.NewFileId();
        int offset = inThePost ? cuts[0] : 0;
        using (HttpResponseMessage created = await tus.CreateAsync(Size, metadata: Metadata(id, n), body: inThePost ? upload[..offset] : null))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using HttpResponseMessage head = await tus.HeadAsync(id);
            Assert.Equal(offset, TusRequests.Offset(head));
        }
        foreach (int end in cuts.Where(c => c > offset).Append(Size))
        {
            using HttpResponseMessage patched = await tus.PatchAsync(id, offset, upload[offset..end]);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
            Assert.Equal(end, TusRequests.Offset(patched));
            Assert.Equal(end < Size, patched.Headers.Contains("Upload-Expires"));     // complete after the last
            offset = end;
        }
        Assert.Equal(file, await TusUploadTests.DownloadAsync(tus, id));
    }

    [Fact]
    public async Task A_rotated_upload_cut_part_way_resumes_from_HEAD_and_downloads_in_file_order()
    {
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        const int N = 9 * MiB + 7;                                  // the head starts at about 11 MiB of upload order
        (byte[] file, byte[] upload) = Rotated(N);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(Size, metadata: Metadata(id, N))) Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The whole body in one PATCH, through a proxy that resets the connection after 14 MiB.
        await using (var proxy = new CuttingProxy(fixture.Server.BaseAddress, cutAfter: 14L * MiB))
        {
            using var cut = new TusRequests(proxy.Address, tus.Token);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => cut.PatchAsync(id, 0, upload));
            Assert.Equal(1, proxy.Cuts);
        }

        // Resume from the server's offset, as a tus client does.
        long resumedAt = await tus.ResumeAsync(id, upload);

        Assert.InRange(resumedAt, 0, 14L * MiB);
        Assert.Equal(file, await TusUploadTests.DownloadAsync(tus, id));
    }

    [Fact]
    public async Task Upload_Checksum_covers_a_PATCH_body_that_crosses_headStart()
    {
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        const int N = 1372, Cut = Size - 1000;                       // the first PATCH ends 372 bytes past headStart
        (byte[] file, byte[] upload) = Rotated(N);
        string id = TusRequests.NewFileId();
        using (HttpResponseMessage created = await tus.CreateAsync(Size, metadata: Metadata(id, N))) Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        byte[] wrong = SHA256.HashData(upload.AsSpan(0, Cut));
        wrong[^1] ^= 1;
        using (HttpResponseMessage mismatch = await tus.PatchAsync(id, 0, upload[..Cut], Sha256(wrong)))
        {
            Assert.Equal(460, (int)mismatch.StatusCode);
            await TusUploadTests.AssertCodeAsync(mismatch, ApiErrorCodes.ChecksumMismatch);
        }
        using (HttpResponseMessage head = await tus.HeadAsync(id)) Assert.Equal(0, TusRequests.Offset(head));

        using (HttpResponseMessage first = await tus.PatchAsync(id, 0, upload[..Cut], Sha256(SHA256.HashData(upload.AsSpan(0, Cut)))))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal(Cut, TusRequests.Offset(first));
        }
        using (HttpResponseMessage rest = await tus.PatchAsync(id, Cut, upload[Cut..], Sha256(SHA256.HashData(upload.AsSpan(Cut)))))
        {
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
            Assert.Equal(Size, TusRequests.Offset(rest));
        }
        Assert.Equal(file, await TusUploadTests.DownloadAsync(tus, id));
    }

    /// <summary>A random file of <see cref="Size"/> bytes, and the order its upload sends them in: bytes [n, Size), then [0, n).</summary>
    private static (byte[] File, byte[] Upload) Rotated(int n)
    {
        byte[] file = RandomNumberGenerator.GetBytes(Size);
        return (file, [.. file.AsSpan(n), .. file.AsSpan(0, n)]);
    }

    private static string Metadata(string fileId, object headLast) =>
        $"id {Base64(fileId)},head-last {Base64(Convert.ToString(headLast, System.Globalization.CultureInfo.InvariantCulture)!)}";

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Sha256(byte[] digest) => $"sha256 {Convert.ToBase64String(digest)}";
}
