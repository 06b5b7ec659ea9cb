using System.Diagnostics;
using System.Security.Cryptography;
using Conclave.E2ee.Files;

namespace Conclave.Bench.Files;

/// <summary>One client or server pass over the plaintext, on one thread: wall time and this process's CPU time.</summary>
/// <param name="Pass">What ran.</param>
/// <param name="MiBps">MiB of plaintext per wall second, each repetition.</param>
/// <param name="MiBPerCpuSecond">MiB per CPU-second of this process, each repetition: what one core sustains.</param>
internal sealed record CryptoResult(string Pass, long Bytes, IReadOnlyList<double> MiBps, IReadOnlyList<double> MiBPerCpuSecond);

/// <summary>
/// The CPU cost of the passes a transfer makes over its bytes, in memory (no I/O), one thread each, with nothing else
/// running in this process (the step runs before any server starts):
/// <list type="bullet">
/// <item>the manifest's SHA-256 alone (FileManifest.ComputeAsync);</item>
/// <item>FileEncryptionStream read through a 1 MiB buffer: AES-256-GCM per 4 MiB chunk plus the copies;</item>
/// <item>the same head last: SHA-256 and AES-256-GCM in one read, what the tus PATCH body (StreamContent) of
/// SecureFiles.SendAsync reads;</item>
/// <item>FileDecryptor.DecryptAsync to a null stream: open every chunk, a running SHA-256, the checks;</item>
/// <item>MD5 over 8 MiB blocks: the Content-MD5 that AzureBlobStore has the SDK compute for every Put Block (server side).</item>
/// </list>
/// Each pass is run once to warm up (JIT, tiering), then <see cref="Repetitions"/> times.
/// </summary>
internal sealed class CryptoBench(BenchOptions options, TextWriter progress)
{
    public const int Repetitions = 3;
    private const string FileId = "AAECAwQFBgcICQoLDA0ODw";

    public async Task<IReadOnlyList<CryptoResult>> RunAsync(CancellationToken cancellationToken)
    {
        int size = options.CryptoMiB * TestFiles.MiB;
        progress.WriteLine($"crypto: {options.CryptoMiB} MiB in memory, {Repetitions} repetitions of each pass after a warm-up…");
        byte[] plaintext = new byte[size];
        new Random(3).NextBytes(plaintext);
        byte[] key = FileEncryptor.NewFileKey();
        FileManifest manifest = await FileManifest.ComputeAsync(new MemoryStream(plaintext, writable: false), "bench.bin", cancellationToken: cancellationToken).ConfigureAwait(false);
        byte[] ciphertext;
        using (var encrypted = new MemoryStream(checked((int)FileEncryptor.EncryptedLength(manifest))))
        {
            await FileEncryptor.EncryptAsync(new MemoryStream(plaintext, writable: false), encrypted, key, FileId, manifest, cancellationToken: cancellationToken).ConfigureAwait(false);
            ciphertext = encrypted.GetBuffer();
        }
        byte[] copy = new byte[TestFiles.MiB];

        var results = new List<CryptoResult>
        {
            await MeasureAsync("SHA-256 manifest pass (FileManifest.ComputeAsync)", size, async () =>
                await FileManifest.ComputeAsync(new MemoryStream(plaintext, writable: false), "bench.bin", cancellationToken: cancellationToken).ConfigureAwait(false)).ConfigureAwait(false),
            await MeasureAsync("FileEncryptionStream read, 1 MiB buffer (AES-256-GCM, 4 MiB chunks)", size, async () =>
            {
                using var stream = new FileEncryptionStream(new MemoryStream(plaintext, writable: false), key, FileId, manifest, 7);
                while (await stream.ReadAsync(copy, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }).ConfigureAwait(false),
            await MeasureAsync("head-last FileEncryptionStream read, 1 MiB buffer (SHA-256 + AES-256-GCM: what SendAsync reads)", size, async () =>
            {
                using var stream = FileEncryptionStream.HeadLast(new MemoryStream(plaintext, writable: false), key, FileId, "bench.bin", null, 7);
                while (await stream.ReadAsync(copy, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }).ConfigureAwait(false),
            await MeasureAsync("FileDecryptor.DecryptAsync (AES-256-GCM + SHA-256 + checks)", size, async () =>
                await FileDecryptor.DecryptAsync(new MemoryStream(ciphertext, 0, (int)FileEncryptor.EncryptedLength(manifest), writable: false), Stream.Null, key, FileId,
                    cancellationToken: cancellationToken).ConfigureAwait(false)).ConfigureAwait(false),
            await MeasureAsync("MD5 per 8 MiB block (the store's Content-MD5, server side)", size, () =>
            {
                Span<byte> digest = stackalloc byte[16];
                for (int at = 0; at < size; at += TestFiles.ServerBlockSize)
                    MD5.HashData(plaintext.AsSpan(at, Math.Min(TestFiles.ServerBlockSize, size - at)), digest);
                return Task.CompletedTask;
            }).ConfigureAwait(false),
        };
        return results;
    }

    private async Task<CryptoResult> MeasureAsync(string pass, long bytes, Func<Task> run)
    {
        await run().ConfigureAwait(false);                          // warm-up
        var wall = new List<double>();
        var perCpu = new List<double>();
        for (int i = 0; i < Repetitions; i++)
        {
            double cpu0 = ProcFs.SelfCpuSeconds();
            long start = Stopwatch.GetTimestamp();
            await run().ConfigureAwait(false);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            double cpu = ProcFs.SelfCpuSeconds() - cpu0;
            double mib = bytes / (double)TestFiles.MiB;
            wall.Add(mib / seconds);
            perCpu.Add(mib / cpu);
        }
        progress.WriteLine($"  {pass}: {perCpu.Order().ElementAt(Repetitions / 2):0} MiB per CPU-second (median)");
        return new CryptoResult(pass, bytes, wall, perCpu);
    }
}
