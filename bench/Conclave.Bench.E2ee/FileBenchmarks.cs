using BenchmarkDotNet.Attributes;
using Conclave.E2ee.Files;

namespace Conclave.Bench.E2ee;

/// <summary>
/// The encrypted file format (docs/file-format.md) on one core: a 64 MiB file in memory, 4 MiB chunks (the default),
/// AES-256-GCM (.NET's AesGcm). One op = the whole file, so MiB/s per core = 64 / mean in seconds. Encryption is the
/// sender's second pass; the first, the manifest's SHA-256, is measured apart; decryption keeps a running SHA-256 as
/// the spec asks, so it is bound by SHA-256 where the CPU lacks the SHA extensions. The resumable upload's path (the
/// encryption stream read through an 80 KiB copy buffer) is measured too. Min is shown beside Mean: on a shared
/// machine it is the better estimate of one core's speed.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
public class FileBenchmarks
{
    private const int Size = 64 * 1024 * 1024;
    private const string FileId = "AAECAwQFBgcICQoLDA0ODw";

    private byte[] _key = null!;
    private byte[] _plaintext = null!;
    private byte[] _ciphertext = null!;
    private byte[] _output = null!;
    private FileManifest _manifest = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _key = new byte[FileEncryptor.FileKeyLength];
        random.NextBytes(_key);
        _plaintext = new byte[Size];
        random.NextBytes(_plaintext);
        _manifest = FileManifest.ComputeAsync(new MemoryStream(_plaintext), "bench.bin").GetAwaiter().GetResult();
        using var ciphertext = new MemoryStream();
        FileEncryptor.EncryptAsync(new MemoryStream(_plaintext), ciphertext, _key, FileId, _manifest).GetAwaiter().GetResult();
        _ciphertext = ciphertext.ToArray();
        _output = new byte[_ciphertext.Length];
    }

    [Benchmark(Description = "File encrypt 64 MiB (4 MiB chunks)")]
    public FileHead Encrypt() =>
        FileEncryptor.EncryptAsync(new MemoryStream(_plaintext, writable: false), new MemoryStream(_output), _key, FileId, _manifest)
            .GetAwaiter().GetResult();

    [Benchmark(Description = "File decrypt 64 MiB (4 MiB chunks, with SHA-256)")]
    public FileManifest Decrypt() =>
        FileDecryptor.DecryptAsync(new MemoryStream(_ciphertext, writable: false), new MemoryStream(_output), _key, FileId)
            .GetAwaiter().GetResult();

    [Benchmark(Description = "File manifest 64 MiB (SHA-256 pass)")]
    public FileManifest Manifest() =>
        FileManifest.ComputeAsync(new MemoryStream(_plaintext, writable: false), "bench.bin").GetAwaiter().GetResult();

    [Benchmark(Description = "File encryption stream 64 MiB (resumable upload)")]
    public long EncryptionStream()
    {
        using var stream = new FileEncryptionStream(new MemoryStream(_plaintext, writable: false), _key, FileId, _manifest, 7);
        stream.CopyTo(new MemoryStream(_output));
        return stream.Position;
    }
}
