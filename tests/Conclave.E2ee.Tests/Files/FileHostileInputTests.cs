using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// Whatever the stored bytes, a reader throws only <see cref="FileFormatException"/> (pion fuzz tests), and never holds
/// more than a chunk: random data, every single-bit change and every truncation of a file, random headers and manifests.
/// </summary>
public sealed class FileHostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Random_bytes_are_refused_with_a_file_format_error()
    {
        var random = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            byte[] data = new byte[random.Next(i < 100 ? 40 : 2000)];
            random.NextBytes(data);
            if (i % 3 == 0) "CNCF\x01\x01\0\0"u8[..Math.Min(8, data.Length)].CopyTo(data);      // past the magic
            await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(data));
        }
    }

    [Fact]
    public async Task Every_bit_flip_and_every_truncation_is_refused()
    {
        byte[] plaintext = FileTestData.Bytes(150, 12);
        (byte[] ciphertext, _) = await FileTestData.EncryptAsync(plaintext, 64);
        Assert.Equal(plaintext, await FileTestData.DecryptAsync(ciphertext));

        for (int at = 0; at < ciphertext.Length; at++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] flipped = (byte[])ciphertext.Clone();
                flipped[at] ^= (byte)(1 << bit);
                await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(flipped));
            }
        }
        for (int length = 0; length < ciphertext.Length; length++)
        {
            var e = await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(ciphertext[..length]));
            Assert.Equal(FileFormatError.Truncated, e.Error);
        }
    }

    [Fact]
    public void Random_headers_and_manifests_never_throw()
    {
        var random = new Random(13);
        byte[] header = new byte[FileHeader.Length];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(header);
            if (i % 2 == 0) "CNCF\x01\x01\0\0"u8.CopyTo(header);
            if (FileHeader.TryRead(header, out FileHeader read)) Assert.True(read.IsValid);

            byte[] manifest = new byte[random.Next(200)];
            random.NextBytes(manifest);
            if (manifest.Length > 5 && i % 2 == 0)
            {
                manifest[0] = 1;
                manifest[1] = 0;
                manifest[2] = (byte)random.Next(manifest.Length);
            }
            if (FileManifest.TryDecode(manifest, out FileManifest? decoded)) Assert.Equal(manifest, decoded!.Encode());
        }
    }

    [Fact]
    public async Task A_large_file_streams_in_constant_memory()
    {
        const long size = 64L * 1024 * 1024 + 3;
        FileManifest manifest = await FileManifest.ComputeAsync(new PatternStream(size), "large.bin", cancellationToken: Ct);
        byte[] key = FileTestData.Key();

        await DecryptAsync();                                        // warm-up: the pools and the JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        await DecryptAsync();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The chunk buffers are pooled; even if the pool dropped them, two would be 2 × 8 MiB, far below the 64 MiB file.
        Assert.True(allocated < 20 * 1024 * 1024, $"{allocated:N0} bytes allocated for a {size:N0}-byte file");

        async Task DecryptAsync()
        {
            using var ciphertext = new FileEncryptionStream(new PatternStream(size), key, FileTestData.Id, manifest, 42);
            FileManifest opened = await FileDecryptor.DecryptAsync(ciphertext, Stream.Null, key, FileTestData.Id, cancellationToken: Ct);
            Assert.Equal(size, opened.Size);
        }
    }

    /// <summary>A seekable stream of <c>length</c> bytes of a repeating pattern, held nowhere.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int count = (int)Math.Min(buffer.Length, Math.Max(0, length - _position));
            for (int i = 0; i < count; i++) buffer[i] = (byte)((_position + i) * 31 >> 3);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
