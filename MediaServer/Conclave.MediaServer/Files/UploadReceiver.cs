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
/// bytes, stages them with StageBlock while it reads the next ones, and records each staged block in the file grain,
/// which advances the upload's offset. A block is recorded only once staged, so the offset never counts bytes the
/// store does not hold. When the client goes away part-way, the bytes that did arrive are staged and recorded too,
/// so a resumed upload continues from there (tus core: the server SHOULD accept partial bodies). With
/// <c>Upload-Checksum</c> nothing is recorded until the whole body matched.
/// </summary>
public sealed class UploadReceiver(IBlobStore store, IGrainFactory grains, IOptions<ConclaveOptions> options)
{
    /// <summary>How long staging one block may take. Staging does not stop when the client goes away: a block fully
    /// received is kept.</summary>
    private static readonly TimeSpan StagingTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reads <paramref name="body"/> (at most <paramref name="remaining"/> bytes: the host limits the body to that) into
    /// the upload <paramref name="fileId"/> of <paramref name="userId"/>, from <paramref name="offset"/>.
    /// </summary>
    public async Task<ReceiveOutcome> ReceiveAsync(string fileId, string userId, long offset, Stream body,
        (HashAlgorithmName Algorithm, byte[] Digest)? checksum, CancellationToken aborted)
    {
        int blockSize = options.Value.Files.BlockSize;
        IFileGrain file = grains.GetGrain<IFileGrain>(fileId);
        using IncrementalHash? hash = checksum is { } c ? IncrementalHash.CreateHash(c.Algorithm) : null;
        var pending = new List<StagedBlock>();                       // staged, waiting for the checksum
        byte[] reading = ArrayPool<byte>.Shared.Rent(blockSize);
        byte[] staging = ArrayPool<byte>.Shared.Rent(blockSize);
        Task? stage = null;
        (StagedBlock Block, long Start) inFlight = default;
        using var stagingTimeout = new CancellationTokenSource(StagingTimeout);
        long position = offset;                                       // where the next block read starts
        try
        {
            while (true)
            {
                int filled;
                bool interrupted = false;
                (filled, interrupted) = await FillAsync(body, reading.AsMemory(0, blockSize), aborted);
                hash?.AppendData(reading, 0, filled);

                // The previous block: once staged, record it (or keep it for the checksum).
                if (stage is not null)
                {
                    await stage;
                    FileResult? refused = await RecordAsync(file, userId, inFlight, pending, hash is not null);
                    if (refused is not null) return new(ReceiveStatus.Refused, inFlight.Start, refused);
                    stage = null;
                }
                bool end = interrupted || filled < blockSize;
                if (filled > 0)
                {
                    if (interrupted && hash is not null) return new(ReceiveStatus.Interrupted, offset);
                    var block = new StagedBlock(BlockIds.ForOffset(position), filled);
                    (reading, staging) = (staging, reading);
                    stagingTimeout.CancelAfter(StagingTimeout);
                    stage = store.StageBlockAsync(fileId, block.BlockId, staging.AsMemory(0, filled), stagingTimeout.Token);
                    inFlight = (block, position);
                    position += filled;
                    if (end)
                    {
                        await stage;
                        FileResult? refused = await RecordAsync(file, userId, inFlight, pending, hash is not null);
                        if (refused is not null) return new(ReceiveStatus.Refused, inFlight.Start, refused);
                        stage = null;
                    }
                }
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
            ArrayPool<byte>.Shared.Return(reading);
            ArrayPool<byte>.Shared.Return(staging);
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
