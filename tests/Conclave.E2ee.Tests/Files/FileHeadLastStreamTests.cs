using System.Security.Cryptography;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// The head-last encryption stream (docs/files.md, "Head last"): the file's records, then its head, from one read of the
/// plaintext; byte for byte the whole pass rotated, from every offset a resume may start at; and the prefix hashes
/// that let a resumed send prove the file did not change.
/// </summary>
public sealed class FileHeadLastStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const ulong Prefix = 0x0F1E2D3C4B5A6978;

    private static FileEncryptionStream Open(Stream plaintext, int chunkSize) =>
        FileEncryptionStream.HeadLast(plaintext, FileTestData.Key(), FileTestData.Id, "file.bin", null, Prefix, chunkSize);

    /// <summary>The whole pass's bytes with the head moved to the end: what the upload carries.</summary>
    private static async Task<(byte[] Rotated, FileHead Head)> RotatedAsync(byte[] plaintext, int chunkSize)
    {
        (byte[] whole, FileHead head) = await FileTestData.EncryptAsync(plaintext, chunkSize, noncePrefix: Prefix);
        int n = head.Bytes.Length;
        return ([.. whole.AsSpan(n), .. whole.AsSpan(0, n)], head);
    }

    [Theory]
    [MemberData(nameof(FileTestData.SizesAndChunkSizes), MemberType = typeof(FileTestData))]
    public async Task It_gives_the_whole_pass_rotated_and_then_knows_the_head_and_the_hash(int size, int chunkSize)
    {
        byte[] plaintext = FileTestData.Bytes(size, size + 7);
        (byte[] rotated, FileHead head) = await RotatedAsync(plaintext, chunkSize);
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), chunkSize);
        Assert.Equal(rotated.Length, stream.Length);
        Assert.Equal(head.Bytes.Length, stream.HeadLength);
        Assert.Throws<InvalidOperationException>(() => stream.Head);

        byte[] read = new byte[rotated.Length];
        await stream.ReadExactlyAsync(read, Ct);
        Assert.Equal(rotated, read);
        Assert.Equal(0, stream.Read(new byte[1]));
        Assert.Equal(head.Bytes, stream.Head.Bytes);
        Assert.Equal(SHA256.HashData(plaintext), stream.Manifest.Sha256.ToArray());

        byte[] file = [.. read.AsSpan(read.Length - stream.HeadLength), .. read.AsSpan(0, read.Length - stream.HeadLength)];
        Assert.Equal(plaintext, await FileTestData.DecryptAsync(file));
    }

    [Theory]
    [InlineData(300, 64)]
    [InlineData(2500, 1000)]
    public async Task A_fresh_stream_started_at_any_offset_gives_the_same_bytes(int size, int chunkSize)
    {
        byte[] plaintext = FileTestData.Bytes(size, 5);
        (byte[] rotated, _) = await RotatedAsync(plaintext, chunkSize);
        for (int offset = 0; offset <= rotated.Length; offset++)
        {
            // A new stream, as after a client restart: what lies before the offset is hashed, never sent.
            using FileEncryptionStream stream = Open(new MemoryStream(plaintext), chunkSize);
            stream.Position = offset;
            byte[] rest = new byte[rotated.Length - offset];
            if (offset % 2 == 0) await stream.ReadExactlyAsync(rest, Ct);
            else stream.ReadExactly(rest);
            Assert.True(rotated.AsSpan(offset).SequenceEqual(rest), $"from offset {offset}");
        }
    }

    [Fact]
    public async Task Seeking_back_and_forth_gives_the_same_bytes()
    {
        byte[] plaintext = FileTestData.Bytes(5000, 2);
        (byte[] rotated, _) = await RotatedAsync(plaintext, 64);
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), 64);
        var random = new Random(9);
        for (int i = 0; i < 500; i++)
        {
            int offset = random.Next(rotated.Length + 1);
            byte[] buffer = new byte[random.Next(300)];
            stream.Position = offset;
            int read = i % 2 == 0 ? await stream.ReadAsync(buffer, Ct) : stream.Read(buffer);
            Assert.Equal(Math.Min(buffer.Length, rotated.Length - offset), read);
            Assert.True(rotated.AsSpan(offset, read).SequenceEqual(buffer.AsSpan(0, read)), $"{buffer.Length} from {offset}");
        }
    }

    [Fact]
    public async Task Each_chunk_is_hashed_before_any_byte_of_its_record_is_read()
    {
        byte[] plaintext = FileTestData.Bytes(1000, 3);
        const int ChunkSize = 64;
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), ChunkSize);
        var told = new List<long>();
        stream.PrefixHashed += (through, sha256) =>
        {
            long index = (through - 1) / ChunkSize;
            Assert.Equal(index * (ChunkSize + FileHeader.TagLength), stream.Position);      // the record's first byte, not yet read
            Assert.Equal(SHA256.HashData(plaintext.AsSpan(0, (int)through)), sha256);
            told.Add(through);
        };
        await stream.CopyToAsync(Stream.Null, 100, Ct);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => Math.Min(i * 64L, 1000)), told);
    }

    [Fact]
    public async Task A_handler_that_fails_fails_the_read_and_is_told_again_before_the_bytes_go_out()
    {
        byte[] plaintext = FileTestData.Bytes(200, 10);
        (byte[] rotated, _) = await RotatedAsync(plaintext, 64);
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), 64);
        var told = new List<long>();
        bool fail = true;
        stream.PrefixHashed += (through, _) =>
        {
            if (through == 128 && fail)
            {
                fail = false;
                throw new IOException("the pending record could not be saved");
            }
            told.Add(through);
        };
        byte[] buffer = new byte[rotated.Length];
        await Assert.ThrowsAsync<IOException>(async () => await stream.ReadExactlyAsync(buffer, Ct));   // fails at chunk 1
        Assert.Equal([64L], told);
        Assert.Equal(80, stream.Position);                           // chunk 0's record, not one byte of chunk 1's

        stream.Position = 80;                                        // the retry, from the server's offset
        await stream.ReadExactlyAsync(buffer.AsMemory(0, rotated.Length - 80), Ct);
        Assert.True(rotated.AsSpan(80).SequenceEqual(buffer.AsSpan(0, rotated.Length - 80)));
        Assert.Equal([64L, 128, 192, 200], told);
    }

    [Fact]
    public async Task Reading_the_head_first_tells_the_whole_file_hashed_before_its_first_byte()
    {
        byte[] plaintext = FileTestData.Bytes(300, 11);
        (byte[] rotated, FileHead head) = await RotatedAsync(plaintext, 64);
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), 64);
        var told = new List<(long, byte[])>();
        stream.PrefixHashed += (through, sha256) => told.Add((through, sha256));
        stream.Position = rotated.Length - head.Bytes.Length;        // a server that says the records are all in
        byte[] read = new byte[head.Bytes.Length];
        await stream.ReadExactlyAsync(read, Ct);
        Assert.Equal(head.Bytes, read);
        (long through, byte[] hash) = Assert.Single(told);
        Assert.Equal(300, through);
        Assert.Equal(SHA256.HashData(plaintext), hash);

        stream.Position = 0;                                         // the records after it: nothing more to tell
        await stream.CopyToAsync(Stream.Null, Ct);
        Assert.Single(told);
    }

    [Fact]
    public async Task A_resume_checks_the_prefix_and_continues_with_identical_bytes()
    {
        byte[] plaintext = FileTestData.Bytes(1000, 4);
        (byte[] rotated, FileHead head) = await RotatedAsync(plaintext, 64);
        byte[] prefixHash = SHA256.HashData(plaintext.AsSpan(0, 448));

        using (FileEncryptionStream same = Open(new MemoryStream(plaintext), 64))
        {
            var progress = new List<long>();
            Assert.True(await same.VerifyPrefixAsync(448, prefixHash, new SyncProgress(progress.Add), Ct));
            Assert.Equal(448, progress[^1]);
            await Assert.ThrowsAsync<InvalidOperationException>(() => same.VerifyPrefixAsync(448, prefixHash, cancellationToken: Ct));
            same.Position = 400;                                      // inside chunk 5, before the prefix's end
            byte[] rest = new byte[rotated.Length - 400];
            await same.ReadExactlyAsync(rest, Ct);
            Assert.True(rotated.AsSpan(400).SequenceEqual(rest));
            Assert.Equal(head.Bytes, same.Head.Bytes);
        }

        byte[] changed = (byte[])plaintext.Clone();
        changed[447] ^= 1;
        using (FileEncryptionStream other = Open(new MemoryStream(changed), 64))
            Assert.False(await other.VerifyPrefixAsync(448, prefixHash, cancellationToken: Ct));

        using FileEncryptionStream ordinary = new(new MemoryStream(plaintext), FileTestData.Key(), FileTestData.Id, FileTestData.ManifestOf(plaintext), Prefix, 64);
        await Assert.ThrowsAsync<InvalidOperationException>(() => ordinary.VerifyPrefixAsync(0, SHA256.HashData([]), cancellationToken: Ct));
        using FileEncryptionStream tooFar = Open(new MemoryStream(plaintext), 64);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tooFar.VerifyPrefixAsync(1001, prefixHash, cancellationToken: Ct));
    }

    [Fact]
    public async Task The_head_can_be_sealed_without_reading_the_records()
    {
        byte[] plaintext = FileTestData.Bytes(700, 6);
        (_, FileHead head) = await RotatedAsync(plaintext, 64);
        using FileEncryptionStream stream = Open(new MemoryStream(plaintext), 64);
        FileHead sealedHead = await stream.SealHeadAsync(Ct);
        Assert.Equal(head.Bytes, sealedHead.Bytes);
        Assert.Equal(head.Bytes, stream.Head.Bytes);
    }

    [Fact]
    public async Task A_plaintext_that_shrank_or_cannot_seek_is_refused()
    {
        byte[] plaintext = FileTestData.Bytes(700, 8);
        var source = new MemoryStream();
        source.Write(plaintext);
        source.Position = 0;
        using FileEncryptionStream stream = Open(source, 64);
        source.SetLength(500);
        await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(Stream.Null, Ct));

        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream();
        Assert.Throws<ArgumentException>(() => Open(pipe, 64));
    }

    /// <summary>Records each report at once (<see cref="Progress{T}"/> would post it to the thread pool).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
