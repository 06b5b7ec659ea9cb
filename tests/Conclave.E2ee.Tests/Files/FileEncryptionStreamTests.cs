using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// The encryption stream a resumable upload reads: the same bytes as a whole pass, from every offset, in reads of any
/// size, synchronous or not.
/// </summary>
public sealed class FileEncryptionStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const ulong Prefix = 0xF0E1D2C3B4A59687;

    private static FileEncryptionStream Open(byte[] plaintext, int chunkSize, Stream? source = null) =>
        new(source ?? new MemoryStream(plaintext), FileTestData.Key(), FileTestData.Id, FileTestData.ManifestOf(plaintext), Prefix, chunkSize);

    [Theory]
    [MemberData(nameof(FileTestData.SizesAndChunkSizes), MemberType = typeof(FileTestData))]
    public async Task Every_offset_gives_the_bytes_of_a_whole_pass(int size, int chunkSize)
    {
        byte[] plaintext = FileTestData.Bytes(size, size + 1);
        (byte[] whole, FileHead head) = await FileTestData.EncryptAsync(plaintext, chunkSize, noncePrefix: Prefix);
        using FileEncryptionStream stream = Open(plaintext, chunkSize);
        Assert.Equal(whole.Length, stream.Length);
        Assert.Equal(head.Bytes, stream.Head.Bytes);

        for (int offset = 0; offset <= whole.Length; offset++)
        {
            stream.Position = offset;
            byte[] rest = new byte[whole.Length - offset];
            stream.ReadExactly(rest);
            Assert.True(whole.AsSpan(offset).SequenceEqual(rest), $"from offset {offset}");
            Assert.Equal(0, stream.Read(new byte[1]));
        }
    }

    [Fact]
    public async Task Seeking_back_and_forth_and_async_reads_give_the_same_bytes()
    {
        byte[] plaintext = FileTestData.Bytes(5000, 2);
        (byte[] whole, _) = await FileTestData.EncryptAsync(plaintext, 64, noncePrefix: Prefix);
        using FileEncryptionStream stream = Open(plaintext, 64);
        var random = new Random(3);
        for (int i = 0; i < 500; i++)
        {
            int offset = random.Next(whole.Length + 1);
            int count = random.Next(300);
            stream.Seek(offset - whole.Length, SeekOrigin.End);
            byte[] buffer = new byte[count];
            int read = i % 2 == 0 ? await stream.ReadAsync(buffer, Ct) : stream.Read(buffer);
            Assert.Equal(Math.Min(count, whole.Length - offset), read);
            Assert.True(whole.AsSpan(offset, read).SequenceEqual(buffer.AsSpan(0, read)), $"{count} from {offset}");
            Assert.Equal(offset + read, stream.Position);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(80)]
    [InlineData(81)]
    [InlineData(100_000)]
    public async Task Reads_of_any_size_concatenate_to_the_file(int readSize)
    {
        byte[] plaintext = FileTestData.Bytes(3000, 4);
        (byte[] whole, _) = await FileTestData.EncryptAsync(plaintext, 64, noncePrefix: Prefix);
        using FileEncryptionStream stream = Open(plaintext, 64);
        using var output = new MemoryStream();
        byte[] buffer = new byte[readSize];
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(), Ct)) > 0) output.Write(buffer, 0, read);
        Assert.Equal(whole, output.ToArray());
    }

    [Fact]
    public async Task A_plaintext_that_cannot_seek_is_read_once_in_order()
    {
        byte[] plaintext = FileTestData.Bytes(1000, 5);
        (byte[] whole, _) = await FileTestData.EncryptAsync(plaintext, 64, noncePrefix: Prefix);
        using FileEncryptionStream stream = Open(plaintext, 64, new ForwardOnlyStream(plaintext));

        Assert.False(stream.CanSeek);
        Assert.Equal(whole.Length, stream.Length);
        Assert.Throws<NotSupportedException>(() => stream.Position = 10);
        using var output = new MemoryStream();
        await stream.CopyToAsync(output, 100, Ct);
        Assert.Equal(whole, output.ToArray());
    }

    [Fact]
    public async Task The_plaintext_starts_where_its_stream_is()
    {
        byte[] plaintext = FileTestData.Bytes(500, 6);
        (byte[] whole, _) = await FileTestData.EncryptAsync(plaintext, 64, noncePrefix: Prefix);
        var source = new MemoryStream([.. new byte[17], .. plaintext]) { Position = 17 };
        using FileEncryptionStream stream = Open(plaintext, 64, source);

        stream.Position = 300;
        byte[] tail = new byte[whole.Length - 300];
        stream.ReadExactly(tail);
        stream.Position = 0;
        byte[] all = new byte[whole.Length];
        stream.ReadExactly(all);

        Assert.Equal(whole.AsSpan(300).ToArray(), tail);
        Assert.Equal(whole, all);
    }

    [Fact]
    public void A_plaintext_of_another_size_is_an_IO_error()
    {
        byte[] plaintext = FileTestData.Bytes(500, 7);
        using FileEncryptionStream shorter = Open(plaintext, 64, new MemoryStream(plaintext[..499]));
        using FileEncryptionStream longer = Open(plaintext, 64, new MemoryStream([.. plaintext, 0]));

        shorter.Position = shorter.Length - 10;
        Assert.Throws<IOException>(() => shorter.ReadExactly(new byte[10]));
        longer.Position = longer.Length - 10;
        Assert.Throws<IOException>(() => longer.ReadExactly(new byte[10]));
        longer.Position = 0;
        longer.ReadExactly(new byte[300]);                                  // the head and chunks before the last are fine
    }

    [Fact]
    public async Task A_chunk_that_changed_since_it_was_sealed_is_refused_when_read_again()
    {
        byte[] plaintext = FileTestData.Bytes(1000, 9);
        (byte[] whole, _) = await FileTestData.EncryptAsync(plaintext, 64, noncePrefix: Prefix);
        byte[] file = (byte[])plaintext.Clone();
        using FileEncryptionStream stream = Open(plaintext, 64, new MemoryStream(file));
        await stream.CopyToAsync(Stream.Null, Ct);

        file[64 * 3 + 5] ^= 1;                                      // chunk 3 changes after it was sent
        int chunk3 = stream.HeadLength + 3 * 80;
        stream.Position = chunk3 + 10;                               // a retry from inside its record
        await Assert.ThrowsAsync<IOException>(() => stream.ReadExactlyAsync(new byte[10], Ct).AsTask());
        Assert.Equal(chunk3 + 10, stream.Position);                  // not one byte of it

        stream.Position = stream.HeadLength;                         // the chunks that did not change still read
        byte[] first = new byte[3 * 80];
        stream.ReadExactly(first);
        Assert.True(whole.AsSpan(stream.HeadLength, first.Length).SequenceEqual(first));
        file[64 * 3 + 5] ^= 1;                                      // and chunk 3 as it was
        stream.Position = chunk3;
        stream.ReadExactly(first.AsSpan(0, 80));
        Assert.True(whole.AsSpan(chunk3, 80).SequenceEqual(first.AsSpan(0, 80)));
    }

    [Fact]
    public void The_stream_is_read_only_and_disposes_its_plaintext_unless_left_open()
    {
        byte[] plaintext = FileTestData.Bytes(10, 8);
        var kept = new MemoryStream(plaintext);
        var owned = new MemoryStream(plaintext);
        using (var stream = new FileEncryptionStream(kept, FileTestData.Key(), FileTestData.Id, FileTestData.ManifestOf(plaintext), Prefix, 64, leaveOpen: true))
        {
            Assert.False(stream.CanWrite);
            Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
            Assert.Throws<NotSupportedException>(() => stream.SetLength(0));
            Assert.Throws<IOException>(() => stream.Seek(-1, SeekOrigin.Begin));
            stream.Position = stream.Length + 5;
            Assert.Equal(0, stream.Read(new byte[4]));
        }
        using (var stream = new FileEncryptionStream(owned, FileTestData.Key(), FileTestData.Id, FileTestData.ManifestOf(plaintext), Prefix, 64))
        {
            stream.ReadExactly(new byte[stream.Length]);
        }
        Assert.True(kept.CanRead);
        Assert.False(owned.CanRead);
    }

    /// <summary>A plaintext that can only be read forward, as stdin or a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 13));   // short reads too
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
