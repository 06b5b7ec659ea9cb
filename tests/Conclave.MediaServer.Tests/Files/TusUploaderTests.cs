using Conclave.Client;
using Conclave.Client.Files;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// The client library's tus uploader against the real server: a body whose source fails to read (a file changed under
/// a send, <see cref="Conclave.E2ee.Files.FileEncryptionStream"/> refusing a chunk) fails the upload at once, where a
/// network failure is retried; the bytes that did get through stay on the server.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class TusUploaderTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_body_whose_source_fails_is_not_retried()
    {
        using TusRequests tus = await TusUploadTests.UserAsync(fixture.Server);
        using HttpClient http = ConclaveApiClient.CreateHttpClient(fixture.Server.BaseAddress, new ConclaveClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        var uploader = new TusUploader(http, tus.Token);
        int retries = 0;
        uploader.Retrying += (_, _) => retries++;
        const int Length = 3 * 1024 * 1024;
        Uri upload = await uploader.CreateAsync(TusRequests.NewFileId(), Length, headLast: 0, Deadline.Token);

        var failure = new IOException("Chunk 7 of the file changed since it was first encrypted.");
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            uploader.UploadAsync(upload, Length, offset => new FailingStream(Length - offset, failAfter: 1024 * 1024, failure), null, Deadline.Token));
        Assert.Same(failure, refused.InnerException);
        Assert.Contains("changed since it was first encrypted", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, retries);
        Assert.InRange(await uploader.GetOffsetAsync(upload, Deadline.Token), 0, 1024 * 1024);
    }

    /// <summary><c>length</c> zero bytes, whose reads throw <c>failure</c> once <c>failAfter</c> bytes were read.</summary>
    private sealed class FailingStream(long length, int failAfter, Exception failure) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_read >= failAfter) throw failure;
            int count = (int)Math.Min(buffer.Length, Math.Min(length, failAfter) - _read);
            buffer[..count].Clear();
            _read += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
