using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// tests/vectors/file-format.json (scripts/file-vectors.py, an independent implementation of docs/file-format.md):
/// every valid case encrypts to exactly its bytes, by both writers, and decrypts to its plaintext and manifest; every
/// tamper case fails with its error at its record.
/// </summary>
public sealed class FileFormatVectorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Valid => FileVectors.ValidNames();

    public static TheoryData<string> Tampered => FileVectors.TamperNames();

    [Fact]
    public void The_vectors_cover_every_case_and_error()
    {
        string[] valid = [.. FileVectors.Root.GetProperty("valid").EnumerateArray().Select(v => v.Text("name"))];
        string[] tampered = [.. FileVectors.Root.GetProperty("tamper").EnumerateArray().Select(v => v.Text("name"))];
        Assert.True(valid.Length >= 14);
        Assert.True(tampered.Length >= 80);
        Assert.Equal(valid.Length, valid.Distinct().Count());
        Assert.Equal(tampered.Length, tampered.Distinct().Count());
        var errors = new HashSet<FileFormatError>();
        foreach (JsonElement v in FileVectors.Root.GetProperty("tamper").EnumerateArray())
            errors.Add(Enum.Parse<FileFormatError>(v.Text("error")));
        Assert.Equal(Enum.GetValues<FileFormatError>().ToHashSet(), errors);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task Encryption_gives_the_vectors_bytes(string name)
    {
        JsonElement v = FileVectors.Valid(name);
        byte[] expected = v.Hex("ciphertext");
        using var output = new MemoryStream();

        FileHead head = await FileEncryptor.EncryptAsync(new MemoryStream(v.Hex("plaintext")), output, v.Hex("fileKey"), v.Text("fileId"),
            v.Manifest(), v.Prefix(), v.Int("chunkSize"), cancellationToken: Ct);

        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(output.ToArray()));
        Assert.Equal(expected.AsSpan(0, head.Bytes.Length), head.Bytes);
        Assert.Equal(v.Hex("header"), head.Bytes[..FileHeader.Length]);
        Assert.Equal(expected.Length, FileEncryptor.EncryptedLength(v.Manifest(), v.Int("chunkSize")));
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task The_encryption_stream_gives_the_vectors_bytes(string name)
    {
        JsonElement v = FileVectors.Valid(name);
        using var stream = new FileEncryptionStream(new MemoryStream(v.Hex("plaintext")), v.Hex("fileKey"), v.Text("fileId"), v.Manifest(),
            v.Prefix(), v.Int("chunkSize"));
        using var output = new MemoryStream();

        await stream.CopyToAsync(output, Ct);

        Assert.Equal(v.Hex("ciphertext"), output.ToArray());
        Assert.Equal(output.Length, stream.Length);
        Assert.Equal(v.Hex("ciphertext").AsSpan(0, stream.Head.Bytes.Length), stream.Head.Bytes);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task Decryption_gives_the_vectors_plaintext_and_manifest(string name)
    {
        JsonElement v = FileVectors.Valid(name);
        using var output = new MemoryStream();
        var reported = new List<long>();

        FileManifest manifest = await FileDecryptor.DecryptAsync(new MemoryStream(v.Hex("ciphertext")), output, v.Hex("fileKey"), v.Text("fileId"),
            new SyncProgress(reported), Ct);

        Assert.Equal(v.Hex("plaintext"), output.ToArray());
        Assert.Equal(v.Text("fileName"), manifest.Name);
        Assert.Equal(v.Text("mediaType"), manifest.MediaType);
        Assert.Equal(output.Length, manifest.Size);
        Assert.Equal(v.Hex("sha256"), manifest.Sha256);
        Assert.Equal(v.Hex("manifest"), manifest.Encode());
        Assert.Equal(output.Length, reported[^1]);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void The_manifest_encodes_and_decodes_as_the_vector(string name)
    {
        JsonElement v = FileVectors.Valid(name);
        byte[] expected = v.Hex("manifest");

        Assert.Equal(expected, v.Manifest().Encode());
        Assert.Equal(expected.Length, v.Manifest().EncodedLength);
        Assert.True(FileManifest.TryDecode(expected, out FileManifest? decoded));
        Assert.Equal(v.Text("fileName"), decoded!.Name);
        Assert.Equal(expected, decoded.Encode());
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public async Task The_head_alone_gives_the_manifest(string name)
    {
        JsonElement v = FileVectors.Valid(name);
        byte[] ciphertext = v.Hex("ciphertext");

        FileHead fromSpan = FileHead.Read(ciphertext);
        using var stream = new MemoryStream(ciphertext);
        FileHead fromStream = await FileHead.ReadAsync(stream, Ct);

        Assert.Equal(fromSpan.Bytes, fromStream.Bytes);
        Assert.Equal(fromSpan.Bytes.Length, stream.Position);                 // no further than the head
        Assert.Equal(SHA256.HashData(fromSpan.Bytes), fromSpan.Sha256);
        Assert.True(FileHeader.TryRead(v.Hex("header"), out FileHeader header));
        Assert.Equal(header, fromSpan.Header);
        Assert.Equal(v.Int("chunkSize"), header.ChunkSize);
        Assert.Equal(v.Prefix(), header.NoncePrefix);
        Assert.Equal(ciphertext.Length, header.EncryptedLength);
        Assert.Equal(v.Hex("manifest"), fromSpan.Open(v.Hex("fileKey"), v.Text("fileId")).Encode());

        // The rest of the same stream decrypts on its own.
        using var output = new MemoryStream();
        await FileDecryptor.DecryptAsync(fromStream, stream, output, v.Hex("fileKey"), v.Text("fileId"), cancellationToken: Ct);
        Assert.Equal(v.Hex("plaintext"), output.ToArray());
    }

    [Theory]
    [MemberData(nameof(Tampered))]
    public async Task A_tampered_file_fails_with_the_vectors_error_and_record(string name)
    {
        JsonElement v = FileVectors.Tamper(name);
        var expected = Enum.Parse<FileFormatError>(v.Text("error"));
        using var output = new MemoryStream();

        FileFormatException e = await Assert.ThrowsAsync<FileFormatException>(() =>
            FileDecryptor.DecryptAsync(new MemoryStream(v.Hex("ciphertext")), output, v.Hex("fileKey"), v.Text("fileId"), cancellationToken: Ct));

        Assert.Equal((expected, v.GetProperty("record").GetInt64()), (e.Error, e.Record));
        if (e.Record <= 0) Assert.Equal(0, output.Length);                      // nothing written before the first chunk
    }

    [Theory]
    [MemberData(nameof(Tampered))]
    public void A_tampered_head_fails_as_the_whole_file_does(string name)
    {
        JsonElement v = FileVectors.Tamper(name);
        var expected = Enum.Parse<FileFormatError>(v.Text("error"));
        long record = v.GetProperty("record").GetInt64();
        if (record > 0) return;                                              // the head itself is good

        var e = Assert.Throws<FileFormatException>(() => FileHead.Read(v.Hex("ciphertext")).Open(v.Hex("fileKey"), v.Text("fileId")));

        Assert.Equal((expected, record), (e.Error, e.Record));
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress(List<long> reports) : IProgress<long>
    {
        public void Report(long value) => reports.Add(value);
    }
}
