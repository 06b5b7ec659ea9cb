using System.Buffers;
using System.Diagnostics;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Conclave.E2ee.Files;
using Conclave.FileStore;

namespace Conclave.Bench.Files;

/// <summary>One raw measurement of a store: the server's blocks staged one after the other, the commit, the read.</summary>
/// <param name="Variant">What drove the store: <c>Conclave.FileStore</c> (the server's code) or the SDK alone.</param>
/// <param name="StageMs">Each Put Block (or block file) in ms.</param>
/// <param name="ToolCpuSeconds">CPU time of this process over stage + commit.</param>
/// <param name="AzuriteCpuSeconds">CPU time of Azurite over stage + commit, when its pid was given.</param>
internal sealed record RawResult(StoreKind Store, string Variant, long Bytes, int Blocks, double StageSeconds, IReadOnlyList<double> StageMs,
    double CommitSeconds, double ReadSeconds, double ToolCpuSeconds, double? AzuriteCpuSeconds, double ReadToolCpuSeconds, double? ReadAzuriteCpuSeconds)
{
    public double UploadSeconds => StageSeconds + CommitSeconds;
    public double StageMiBps => Bytes / (double)TestFiles.MiB / StageSeconds;
    public double UploadMiBps => Bytes / (double)TestFiles.MiB / UploadSeconds;
    public double ReadMiBps => Bytes / (double)TestFiles.MiB / ReadSeconds;
}

/// <summary>
/// The store alone, driven as UploadReceiver and FileDownload drive it, with the bytes already in memory: for each block
/// the server would stage for this upload (<see cref="TestFiles.ServerBlocks"/>), StageBlockAsync and wait (the server
/// stages one block at a time; it reads the next one from the request meanwhile, which costs nothing here), then
/// CommitAsync, then OpenReadAsync of the whole blob copied through a 1 MiB buffer (as FileDownload copies it to the
/// response). The blob is deleted afterwards.
/// </summary>
internal sealed class RawStoreBench(BenchOptions options)
{
    /// <summary>Through <see cref="AzureBlobStore"/>: Put Block with Content-MD5, Get Block List + Put Block List, Get Blob.</summary>
    public const string FileStoreVariant = "Conclave.FileStore (as the server)";

    /// <summary>Through the SDK alone: Put Block without Content-MD5, Put Block List, Get Blob. (Azurite then computes
    /// a CRC64 of every block itself, in JavaScript, as Put Block's contract asks when no MD5 is sent.)</summary>
    public const string SdkVariant = "Azure SDK, no Content-MD5 (Azurite computes CRC64)";

    public async Task<RawResult> RunFileStoreAsync(StoreKind store, IBlobStore blobs, FileHeader encrypted, CancellationToken cancellationToken)
    {
        string blob = FileId.New();
        long length = encrypted.EncryptedLength;
        IReadOnlyList<(long Offset, int Length)> blocks = TestFiles.ServerBlocks(encrypted);
        byte[][] buffers = RandomBlocks();
        var stageMs = new List<double>(blocks.Count);
        try
        {
            double cpu0 = ProcFs.SelfCpuSeconds();
            double? azurite0 = AzuriteCpu();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < blocks.Count; i++)
            {
                long t = Stopwatch.GetTimestamp();
                await blobs.StageBlockAsync(blob, BlockIds.ForOffset(blocks[i].Offset), buffers[i % 2].AsMemory(0, blocks[i].Length), cancellationToken).ConfigureAwait(false);
                stageMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            double stageSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            long commitStart = Stopwatch.GetTimestamp();
            await blobs.CommitAsync(blob, [.. blocks.Select(b => BlockIds.ForOffset(b.Offset))], cancellationToken).ConfigureAwait(false);
            double commitSeconds = Stopwatch.GetElapsedTime(commitStart).TotalSeconds;
            double cpu = ProcFs.SelfCpuSeconds() - cpu0;
            double? azurite = AzuriteCpu() - azurite0;

            double readCpu0 = ProcFs.SelfCpuSeconds();
            double? readAzurite0 = AzuriteCpu();
            long readStart = Stopwatch.GetTimestamp();
            long read;
            await using (Stream content = await blobs.OpenReadAsync(blob, 0, null, cancellationToken).ConfigureAwait(false))
                read = await DrainAsync(content, cancellationToken).ConfigureAwait(false);
            double readSeconds = Stopwatch.GetElapsedTime(readStart).TotalSeconds;
            if (read != length) throw new BenchException($"the {store} store read back {read} bytes of a {length}-byte blob");
            return new RawResult(store, FileStoreVariant, length, blocks.Count, stageSeconds, stageMs, commitSeconds, readSeconds, cpu, azurite,
                ProcFs.SelfCpuSeconds() - readCpu0, AzuriteCpu() - readAzurite0);
        }
        finally
        {
            await blobs.DeleteAsync(blob, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The same over the Azure SDK alone, without the transactional MD5 the store asks for.</summary>
    public async Task<RawResult> RunSdkAsync(BlobContainerClient container, FileHeader encrypted, CancellationToken cancellationToken)
    {
        BlockBlobClient blob = container.GetBlockBlobClient(FileId.New());
        long length = encrypted.EncryptedLength;
        IReadOnlyList<(long Offset, int Length)> blocks = TestFiles.ServerBlocks(encrypted);
        byte[][] buffers = RandomBlocks();
        var stageMs = new List<double>(blocks.Count);
        try
        {
            double cpu0 = ProcFs.SelfCpuSeconds();
            double? azurite0 = AzuriteCpu();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < blocks.Count; i++)
            {
                long t = Stopwatch.GetTimestamp();
                using var content = new MemoryStream(buffers[i % 2], 0, blocks[i].Length, writable: false);
                await blob.StageBlockAsync(BlockIds.ForOffset(blocks[i].Offset), content, NoChecksum, cancellationToken).ConfigureAwait(false);
                stageMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
            double stageSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            long commitStart = Stopwatch.GetTimestamp();
            await blob.CommitBlockListAsync([.. blocks.Select(b => BlockIds.ForOffset(b.Offset))], cancellationToken: cancellationToken).ConfigureAwait(false);
            double commitSeconds = Stopwatch.GetElapsedTime(commitStart).TotalSeconds;
            double cpu = ProcFs.SelfCpuSeconds() - cpu0;
            double? azurite = AzuriteCpu() - azurite0;

            double readCpu0 = ProcFs.SelfCpuSeconds();
            double? readAzurite0 = AzuriteCpu();
            long readStart = Stopwatch.GetTimestamp();
            var response = await blob.DownloadStreamingAsync(new BlobDownloadOptions { TransferValidation = NoDownloadChecksum }, cancellationToken).ConfigureAwait(false);
            long read;
            await using (Stream content = response.Value.Content)
                read = await DrainAsync(content, cancellationToken).ConfigureAwait(false);
            double readSeconds = Stopwatch.GetElapsedTime(readStart).TotalSeconds;
            if (read != length) throw new BenchException($"the SDK read back {read} bytes of a {length}-byte blob");
            return new RawResult(StoreKind.Azure, SdkVariant, length, blocks.Count, stageSeconds, stageMs, commitSeconds, readSeconds, cpu, azurite,
                ProcFs.SelfCpuSeconds() - readCpu0, AzuriteCpu() - readAzurite0);
        }
        finally
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    // Explicitly none: the SDK's default for uploads is not "none" (it may add a CRC64 of its own).
    private static readonly BlockBlobStageBlockOptions NoChecksum = new()
    {
        TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.None },
    };

    private static readonly DownloadTransferValidationOptions NoDownloadChecksum = new() { ChecksumAlgorithm = StorageChecksumAlgorithm.None, AutoValidateChecksum = false };

    private double? AzuriteCpu() => options.AzuritePid is { } pid ? ProcFs.CpuSeconds(pid) : null;

    /// <summary>Two blocks of random bytes, used in turn (the server swaps two buffers too).</summary>
    private static byte[][] RandomBlocks()
    {
        var random = new Random(6);
        byte[][] buffers = [new byte[TestFiles.ServerBlockSize], new byte[TestFiles.ServerBlockSize]];
        foreach (byte[] b in buffers) random.NextBytes(b);
        return buffers;
    }

    /// <summary>Reads <paramref name="content"/> to its end through a 1 MiB buffer (FileDownload's CopyToAsync buffer).</summary>
    public static async Task<long> DrainAsync(Stream content, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(TestFiles.MiB);
        try
        {
            long total = 0;
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, TestFiles.MiB), cancellationToken).ConfigureAwait(false)) > 0) total += read;
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The benchmark failed for a reason worth one line.</summary>
internal sealed class BenchException(string message, Exception? inner = null) : Exception(message, inner);
