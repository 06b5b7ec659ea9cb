using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// A reader never holds more than a chunk or two, whatever the file's size. The decryptor hashes on another thread, so
/// the test counts every thread's allocations, and runs alone (<see cref="AllocationCountingCollection"/>) so that no
/// other test's allocations are counted with them.
/// </summary>
[Collection(AllocationCountingCollection.Name)]
public sealed class FileStreamingMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_large_file_streams_in_constant_memory()
    {
        const long size = 64L * 1024 * 1024 + 3;
        FileManifest manifest = await FileManifest.ComputeAsync(new PatternStream(size), "large.bin", cancellationToken: Ct);
        byte[] key = FileTestData.Key();

        await DecryptAsync();                                        // warm-up: the pools and the JIT
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await DecryptAsync();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

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
