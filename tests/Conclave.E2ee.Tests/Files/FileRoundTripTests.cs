using System.Security.Cryptography;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>Encrypt then decrypt, at sizes around the chunk boundaries (docs/file-format.md, "Chunks", "Total length").</summary>
public sealed class FileRoundTripTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int, int> Sizes()
    {
        var data = new TheoryData<int, int>();
        foreach (int chunk in (int[])[64, 1000, 4096])
        {
            foreach (int size in (int[])[0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk - 1, 2 * chunk, 2 * chunk + 1, 5 * chunk + 7])
                data.Add(chunk, size);
        }
        var random = new Random(7);                                  // fixed seed: the same cases every run
        for (int i = 0; i < 12; i++) data.Add(64 + random.Next(2000), random.Next(20_000));
        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Files_round_trip_at_every_size(int chunkSize, int size)
    {
        byte[] plaintext = FileTestData.Bytes(size, size);
        FileManifest manifest = FileTestData.ManifestOf(plaintext, "name.txt");
        byte[] key = FileEncryptor.NewFileKey();
        string id = FileId.New();
        using var ciphertext = new MemoryStream();
        var encrypted = new List<long>();

        FileHead head = await FileEncryptor.EncryptAsync(new MemoryStream(plaintext), ciphertext, key, id, manifest, chunkSize,
            new FileFormatVectorTests.SyncProgress(encrypted), Ct);

        long chunks = Math.Max(1, (size + chunkSize - 1) / chunkSize);
        Assert.Equal(32 + manifest.EncodedLength + 16 + size + 16 * chunks, ciphertext.Length);
        Assert.Equal(ciphertext.Length, FileEncryptor.EncryptedLength(manifest, chunkSize));
        Assert.Equal(chunks, head.Header.ChunkCount);
        Assert.Equal(chunks, encrypted.Count);
        Assert.Equal(size, encrypted[^1]);

        ciphertext.Position = 0;
        using var output = new MemoryStream();
        var decrypted = new List<long>();
        FileManifest opened = await FileDecryptor.DecryptAsync(ciphertext, output, key, id, new FileFormatVectorTests.SyncProgress(decrypted), Ct);

        Assert.Equal(plaintext, output.ToArray());
        Assert.Equal("name.txt", opened.Name);
        Assert.Equal(manifest.Sha256, opened.Sha256);
        Assert.Equal(encrypted, decrypted);
    }

    [Fact]
    public async Task The_default_chunk_size_is_4_MiB()
    {
        byte[] plaintext = FileTestData.Bytes(9 * 1024 * 1024 + 5, 3);
        (byte[] ciphertext, FileHead _) = await FileTestData.EncryptAsync(plaintext, FileHeader.DefaultChunkSize);
        using var output = new MemoryStream();
        FileHead head = await FileEncryptor.EncryptAsync(new MemoryStream(plaintext), output, FileTestData.Key(), FileTestData.Id,
            FileTestData.ManifestOf(plaintext), 0x0102030405060708, cancellationToken: Ct);

        Assert.Equal(4 * 1024 * 1024, head.Header.ChunkSize);
        Assert.Equal(3, head.Header.ChunkCount);
        Assert.Equal(ciphertext, output.ToArray());
        Assert.Equal(plaintext, await FileTestData.DecryptAsync(ciphertext));
    }

    [Fact]
    public async Task Each_file_gets_a_new_nonce_prefix()
    {
        byte[] plaintext = FileTestData.Bytes(100, 1);
        var prefixes = new HashSet<ulong>();
        for (int i = 0; i < 8; i++)
        {
            FileHead head = await FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, FileTestData.Key(), FileTestData.Id,
                FileTestData.ManifestOf(plaintext), 64, cancellationToken: Ct);
            prefixes.Add(head.Header.NoncePrefix);
        }
        Assert.Equal(8, prefixes.Count);
    }

    [Fact]
    public async Task The_manifest_computes_size_and_hash()
    {
        byte[] plaintext = FileTestData.Bytes(3 * 1024 * 1024 + 1, 4);
        var reported = new List<long>();

        FileManifest manifest = await FileManifest.ComputeAsync(new MemoryStream(plaintext), "a.bin", null, new FileFormatVectorTests.SyncProgress(reported), Ct);

        Assert.Equal(plaintext.Length, manifest.Size);
        Assert.Equal(SHA256.HashData(plaintext), manifest.Sha256);
        Assert.Equal(FileManifest.DefaultMediaType, manifest.MediaType);
        Assert.Equal(plaintext.Length, reported[^1]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task A_plaintext_that_is_not_the_manifests_size_is_refused(int delta)
    {
        byte[] plaintext = FileTestData.Bytes(200, 1);
        FileManifest manifest = FileTestData.ManifestOf(plaintext);
        byte[] changed = FileTestData.Bytes(200 + delta, 1);

        await Assert.ThrowsAsync<IOException>(() =>
            FileEncryptor.EncryptAsync(new MemoryStream(changed), Stream.Null, FileTestData.Key(), FileTestData.Id, manifest, 64, cancellationToken: Ct));
    }

    [Fact]
    public async Task A_plaintext_changed_after_hashing_fails_to_decrypt_with_HashMismatch()
    {
        byte[] plaintext = FileTestData.Bytes(200, 1);
        FileManifest manifest = FileTestData.ManifestOf(plaintext);
        plaintext[150] ^= 1;
        using var ciphertext = new MemoryStream();
        await FileEncryptor.EncryptAsync(new MemoryStream(plaintext), ciphertext, FileTestData.Key(), FileTestData.Id, manifest, 64, cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(ciphertext.ToArray()));
        Assert.Equal((FileFormatError.HashMismatch, 4L), (e.Error, e.Record));
    }

    [Fact]
    public async Task Caller_errors_are_argument_exceptions()
    {
        byte[] plaintext = FileTestData.Bytes(10, 1);
        FileManifest manifest = FileTestData.ManifestOf(plaintext);
        (byte[] ciphertext, _) = await FileTestData.EncryptAsync(plaintext, 64);

        await Assert.ThrowsAsync<ArgumentException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, new byte[16], FileTestData.Id, manifest, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, FileTestData.Key(), "no spaces", manifest, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, FileTestData.Key(), new string('a', 65), manifest, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, FileTestData.Key(), FileTestData.Id, manifest, 63, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null, FileTestData.Key(), FileTestData.Id, manifest, FileHeader.MaxChunkSize + 1, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => FileDecryptor.DecryptAsync(new MemoryStream(ciphertext), Stream.Null, new byte[31], FileTestData.Id, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => FileDecryptor.DecryptAsync(new MemoryStream(ciphertext), Stream.Null, FileTestData.Key(), "", cancellationToken: Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => FileEncryptor.EncryptedLength(
            new FileManifest("big", "", 64L * uint.MaxValue + 1, new byte[32]), 64));
        Assert.Equal(32 + 48 + 16 + 64L * uint.MaxValue + 16L * uint.MaxValue,
            FileEncryptor.EncryptedLength(new FileManifest("big", "", 64L * uint.MaxValue, new byte[32]), 64));
    }

    [Fact]
    public async Task Cancellation_stops_encryption_and_decryption()
    {
        byte[] plaintext = FileTestData.Bytes(1000, 1);
        (byte[] ciphertext, _) = await FileTestData.EncryptAsync(plaintext, 64);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileEncryptor.EncryptAsync(new MemoryStream(plaintext), Stream.Null,
            FileTestData.Key(), FileTestData.Id, FileTestData.ManifestOf(plaintext), 64, cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileDecryptor.DecryptAsync(new MemoryStream(ciphertext), Stream.Null,
            FileTestData.Key(), FileTestData.Id, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void New_file_ids_and_keys_are_valid_and_distinct()
    {
        string a = FileId.New(), b = FileId.New();
        Assert.Equal(22, a.Length);
        Assert.True(FileId.IsValid(a));
        Assert.NotEqual(a, b);
        Assert.Equal(32, FileEncryptor.NewFileKey().Length);
        Assert.NotEqual(FileEncryptor.NewFileKey(), FileEncryptor.NewFileKey());
        Assert.False(FileId.IsValid(null));
        Assert.False(FileId.IsValid("a+b"));
        Assert.False(FileId.IsValid("é"));
        Assert.True(FileId.IsValid(new string('Z', 64)));
        Assert.True(FileId.IsValid("-_09azAZ"));
    }
}
