using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Conclave.E2ee.Files;
using Conclave.FileStore;

namespace Conclave.Bench.Files;

/// <summary>Everything one run measured.</summary>
internal sealed record FilesResult(DateTimeOffset StartedAt, double? LoadBefore, double? LoadAfter, string FileName, long Size, FileHeader Encrypted,
    IReadOnlyList<CryptoResult> Crypto, IReadOnlyList<RawResult> Raw, IReadOnlyList<EndToEndResult> EndToEnd, IReadOnlyList<MemoryResult> Memory,
    double TotalSeconds)
{
    public long EncryptedLength => Encrypted.EncryptedLength;
}

/// <summary>The whole run: crypto, then raw and end to end per store (alternated, run by run), then memory per store.</summary>
internal sealed class FilesBench(BenchOptions options, TextWriter progress)
{
    private const int WarmupMiB = 24;

    public async Task<FilesResult> RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        var total = System.Diagnostics.Stopwatch.StartNew();
        double? loadBefore = MachineInfo.ReadLoadAverage();
        string? serverDll = options.Memory && options.MemoryMiB > 0 ? FindServerDll() : null;
        bool ownWorkDirectory = options.WorkDirectory is null;
        string work = options.WorkDirectory ?? Directory.CreateTempSubdirectory("conclave-bench-files-").FullName;
        Directory.CreateDirectory(work);
        try
        {
            IReadOnlyList<CryptoResult> crypto = options.Crypto ? await new CryptoBench(options, progress).RunAsync(cancellationToken).ConfigureAwait(false) : [];
            GC.Collect();

            string fileName = $"bench-{options.SizeMiB}MiB.bin";
            long size = (long)options.SizeMiB * TestFiles.MiB;
            FileHeader encrypted = TestFiles.Encrypted(fileName, size);
            var raw = new List<RawResult>();
            var endToEnd = new List<EndToEndResult>();
            if (options.Transfer)
            {
                string file = Path.Combine(work, fileName);
                string warmup = Path.Combine(work, $"warmup-{WarmupMiB}MiB.bin");
                progress.WriteLine($"writing {file} ({options.SizeMiB} MiB of random bytes) and a {WarmupMiB} MiB warm-up file…");
                TestFiles.Create(file, options.SizeMiB, seed: 1);
                TestFiles.Create(warmup, WarmupMiB, seed: 2);
                foreach (StoreKind store in options.Stores)
                    await RunStoreAsync(store, work, file, warmup, encrypted, raw, endToEnd, cancellationToken).ConfigureAwait(false);
                File.Delete(file);
                File.Delete(warmup);
            }

            var memory = new List<MemoryResult>();
            if (serverDll is not null)
            {
                string big = Path.Combine(work, $"bench-{options.MemoryMiB}MiB.bin");
                progress.WriteLine($"writing {big} ({options.MemoryMiB} MiB of random bytes)…");
                TestFiles.Create(big, options.MemoryMiB, seed: 4);
                var separate = new SeparateProcessBench(options, progress);
                foreach (StoreKind store in options.Stores)
                    memory.Add(await separate.RunAsync(store, serverDll, big, work, cancellationToken).ConfigureAwait(false));
                File.Delete(big);
            }
            return new FilesResult(startedAt, loadBefore, MachineInfo.ReadLoadAverage(), fileName, size, encrypted, crypto, raw, endToEnd, memory,
                total.Elapsed.TotalSeconds);
        }
        finally
        {
            if (ownWorkDirectory)
            {
                try
                {
                    Directory.Delete(work, recursive: true);
                }
                catch (IOException e)
                {
                    progress.WriteLine($"could not delete {work}: {e.Message}");
                }
            }
        }
    }

    private async Task RunStoreAsync(StoreKind store, string work, string file, string warmup, FileHeader encrypted, List<RawResult> raw,
        List<EndToEndResult> endToEnd, CancellationToken cancellationToken)
    {
        string tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        IBlobStore serverStore, rawStore;
        BlobContainerClient? container = null;
        var settings = new Dictionary<string, string?>();
        if (store == StoreKind.Azure)
        {
            string name = $"bench-files-{tag}";
            var azure = AzureBlobStore.Create(options.AzureConnectionString!, name);
            await azure.EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            serverStore = azure;
            rawStore = AzureBlobStore.Create(options.AzureConnectionString!, name);
            container = new BlobContainerClient(options.AzureConnectionString, name);
            settings["Conclave:Files:Store"] = "AzureBlob";
            settings["Conclave:Files:ConnectionString"] = options.AzureConnectionString;
            settings["Conclave:Files:Container"] = name;
        }
        else
        {
            string directory = Path.Combine(work, $"server-files-{tag}");
            serverStore = new LocalDirectoryBlobStore(directory);
            rawStore = new LocalDirectoryBlobStore(Path.Combine(work, $"raw-files-{tag}"));
            settings["Conclave:Files:Store"] = "Local";
            settings["Conclave:Files:Directory"] = directory;
        }

        try
        {
            var rawBench = new RawStoreBench(options);
            progress.WriteLine($"{store}: starting the server in this process…");
            await using EndToEndSession session = await EndToEndSession.StartAsync(serverStore, settings, work, options.AzuritePid, cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"{store}: warm-up (raw and end to end, {WarmupMiB} MiB, not reported)…");
            FileHeader warmupFile = TestFiles.Encrypted(Path.GetFileName(warmup), new FileInfo(warmup).Length);
            await rawBench.RunFileStoreAsync(store, rawStore, warmupFile, cancellationToken).ConfigureAwait(false);
            if (container is not null) await rawBench.RunSdkAsync(container, warmupFile, cancellationToken).ConfigureAwait(false);
            await session.RunAsync(store, 0, warmup, cancellationToken).ConfigureAwait(false);

            for (int run = 1; run <= options.Runs; run++)
            {
                RawResult r = await rawBench.RunFileStoreAsync(store, rawStore, encrypted, cancellationToken).ConfigureAwait(false);
                raw.Add(r);
                progress.WriteLine($"{store} run {run}: raw stage+commit {r.UploadMiBps:0} MiB/s, read {r.ReadMiBps:0} MiB/s");
                if (container is not null)
                {
                    RawResult sdk = await rawBench.RunSdkAsync(container, encrypted, cancellationToken).ConfigureAwait(false);
                    raw.Add(sdk);
                    progress.WriteLine($"{store} run {run}: SDK without MD5 stage+commit {sdk.UploadMiBps:0} MiB/s, read {sdk.ReadMiBps:0} MiB/s");
                }
                EndToEndResult e = await session.RunAsync(store, run, file, cancellationToken).ConfigureAwait(false);
                endToEnd.Add(e);
                progress.WriteLine($"{store} run {run}: SendAsync {e.SendMiBps:0} MiB/s ({e.Upload.SendSeconds:0.00} s), ReceiveAsync {e.ReceiveMiBps:0} MiB/s ({e.Download.ReceiveSeconds:0.00} s)");
            }
        }
        finally
        {
            if (container is not null) await container.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>--server-dll, or the repository's Release build of the server (found above this tool's output).</summary>
    private string FindServerDll()
    {
        if (options.ServerDll is { } given)
            return File.Exists(given) ? given : throw new BenchException($"{given} does not exist");
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "Media.sln"))) continue;
            string dll = Path.Combine(d.FullName, "MediaServer", "Conclave.MediaServer", "bin", "Release", "net10.0", "Conclave.MediaServer.dll");
            return File.Exists(dll) ? dll
                : throw new BenchException($"{dll} does not exist: build it first (dotnet build -c Release MediaServer/Conclave.MediaServer), or give --server-dll");
        }
        throw new BenchException("cannot find the repository (Media.sln) above this tool: give --server-dll");
    }
}
