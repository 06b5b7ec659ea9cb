using System.Buffers;
using System.Security.Cryptography;
using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Hosting;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Files;

/// <summary>What became of one request body.</summary>
public enum ReceiveStatus
{
    /// <summary>All of it is staged and recorded.</summary>
    Ok,
    /// <summary>The client went away (or its body was cut); what arrived is staged and recorded.</summary>
    Interrupted,
    /// <summary>The body does not match <c>Upload-Checksum</c>: none of it is recorded.</summary>
    ChecksumMismatch,
    /// <summary>The file grain refused a block (another request moved the offset, or the upload was deleted).</summary>
    Refused,
}

/// <summary>The outcome of <see cref="UploadReceiver.ReceiveAsync"/>: the upload's offset afterwards.</summary>
public readonly record struct ReceiveOutcome(ReceiveStatus Status, long Offset, FileResult? Refusal = null);

/// <summary>
/// Turns a tus PATCH body into staged blocks (docs/files.md, "Upload"): it reads up to <see cref="FilesOptions.BlockSize"/>
/// bytes, stages them with StageBlock while it reads the next ones, and records each staged block in the file grain
/// (which advances the upload's offset) while the next one is staged. A block is recorded only once staged, so the offset never counts bytes the
/// store does not hold. When the client goes away part-way, the bytes that did arrive are staged and recorded too,
/// so a resumed upload continues from there (tus core: the server SHOULD accept partial bodies). With
/// <c>Upload-Checksum</c> nothing is recorded until the whole body matched.
/// </summary>
public sealed class UploadReceiver(IBlobStore store, IGrainFactory grains, IOptions<ConclaveOptions> options)
{
    /// <summary>How long staging one block may take. Staging does not stop when the client goes away: a block fully
    /// received is kept.</summary>
    private static readonly TimeSpan StagingTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Block buffers kept for reuse between uploads: two uploads' worth. A pool of its own, without the shared
    /// pool's per-thread caches, which kept a dozen 8 MiB buffers alive after a large upload (docs/benchmarks.md).</summary>
    private const int RetainedBuffers = 4;

    private readonly ArrayPool<byte> _buffers = ArrayPool<byte>.Create(options.Value.Files.BlockSize, RetainedBuffers);

    /// <summary>
    /// Reads <paramref name="body"/> (the host limits it to the bytes the upload lacks) into the upload
    /// <paramref name="fileId"/> of <paramref name="userId"/>, from <paramref name="offset"/>. A block ends at
    /// <paramref name="headStart"/>, the upload offset where a head sent last begins (docs/files.md, "Head last";
    /// the upload's length when there is none), so that the blocks can be committed in file order.
    /// </summary>
    public async Task<ReceiveOutcome> ReceiveAsync(string fileId, string userId, long offset, long headStart, Stream body,
        (HashAlgorithmName Algorithm, byte[] Digest)? checksum, CancellationToken aborted)
    {
        int blockSize = options.Value.Files.BlockSize;
        IFileGrain file = grains.GetGrain<IFileGrain>(fileId);
        using IncrementalHash? hash = checksum is { } c ? IncrementalHash.CreateHash(c.Algorithm) : null;
        var pending = new List<StagedBlock>();                       // staged, waiting for the checksum
        byte[] reading = _buffers.Rent(blockSize);
        byte[] staging = _buffers.Rent(blockSize);
        Task? stage = null;                                           // the block being staged, while the next is read
        (StagedBlock Block, long Start) inFlight = default;
        Task<FileResult?>? recording = null;                          // the block before it, being recorded meanwhile
        long recordingStart = offset;
        using var stagingTimeout = new CancellationTokenSource(StagingTimeout);
        long position = offset;                                       // where the next block read starts

        // Waits for the block being recorded; the refusal if the grain refused it.
        async Task<ReceiveOutcome?> RecordedAsync()
        {
            if (recording is null) return null;
            FileResult? refused = await recording;
            recording = null;
            return refused is null ? null : new ReceiveOutcome(ReceiveStatus.Refused, recordingStart, refused);
        }

        // Once the block in flight is staged, records it (in order, after the one before) while the next is staged.
        async Task<ReceiveOutcome?> StagedAsync()
        {
            await stage!;
            stage = null;
            if (await RecordedAsync() is { } refused) return refused;
            recordingStart = inFlight.Start;
            recording = RecordAsync(file, userId, inFlight, pending, hash is not null);
            return null;
        }

        try
        {
            while (true)
            {
                int want = position < headStart ? (int)Math.Min(blockSize, headStart - position) : blockSize;
                (int filled, bool interrupted) = await FillAsync(body, reading.AsMemory(0, want), aborted);
                hash?.AppendData(reading, 0, filled);
                if (stage is not null && await StagedAsync() is { } refused) return refused;
                bool end = interrupted || filled < want;
                if (filled > 0)
                {
                    if (interrupted && hash is not null) return (await RecordedAsync()) ?? new(ReceiveStatus.Interrupted, offset);
                    var block = new StagedBlock(BlockIds.ForOffset(position), filled);
                    (reading, staging) = (staging, reading);
                    stagingTimeout.CancelAfter(StagingTimeout);
                    stage = store.StageBlockAsync(fileId, block.BlockId, staging.AsMemory(0, filled), stagingTimeout.Token);
                    inFlight = (block, position);
                    position += filled;
                    if (end && await StagedAsync() is { } last) return last;
                }
                if (await RecordedAsync() is { } refusedLast) return refusedLast;
                if (interrupted) return new(ReceiveStatus.Interrupted, position);
                if (end) break;
            }

            if (hash is not null)
            {
                if (!CryptographicOperations.FixedTimeEquals(hash.GetHashAndReset(), checksum!.Value.Digest))
                    return new(ReceiveStatus.ChecksumMismatch, offset);
                if (pending.Count > 0)
                {
                    FileResult recorded = await file.AppendBlocksAsync(userId, offset, pending);
                    if (recorded.Status != FileStatus.Ok) return new(ReceiveStatus.Refused, offset, recorded);
                }
            }
            return new(ReceiveStatus.Ok, position);
        }
        finally
        {
            if (stage is not null) await stage.ContinueWith(static _ => { }, TaskScheduler.Default);
            if (recording is not null) await recording.ContinueWith(static _ => { }, TaskScheduler.Default);
            _buffers.Return(reading);
            _buffers.Return(staging);
        }
    }

    /// <summary>Records a staged block in the grain now, or keeps it for after the checksum; a refusal otherwise.</summary>
    private static async Task<FileResult?> RecordAsync(IFileGrain file, string userId, (StagedBlock Block, long Start) staged,
        List<StagedBlock> pending, bool deferred)
    {
        if (deferred)
        {
            pending.Add(staged.Block);
            return null;
        }
        FileResult result = await file.AppendBlocksAsync(userId, staged.Start, [staged.Block]);
        return result.Status == FileStatus.Ok ? null : result;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the body ends; interrupted when the client went away
    /// or the body broke off (what was read before is returned).</summary>
    private static async Task<(int Filled, bool Interrupted)> FillAsync(Stream body, Memory<byte> buffer, CancellationToken aborted)
    {
        int filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                int read = await body.ReadAsync(buffer[filled..], aborted);
                if (read == 0) break;
                filled += read;
            }
            return (filled, false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            return (filled, true);
        }
    }
}
