using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Hosting;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Files;

/// <summary>
/// Deletes what expired (docs/files.md, "Limits and expiry"): every <see cref="FilesOptions.SweepInterval"/> it asks each
/// shard of the expiry index for due files, has each file grain purge itself, and deletes the blob (with any staged
/// blocks) of each file purged. Several nodes may sweep at once: a file is purged once, and the others see NotFound.
/// A failure leaves the entry due for the next sweep.
/// </summary>
public sealed partial class FileExpirySweeper(IGrainFactory grains, IBlobStore store, IOptions<ConclaveOptions> options,
    TimeProvider time, ILogger<FileExpirySweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Files.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over every shard; returns how many files were deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        int deleted = 0;
        for (int shard = 0; shard < FileExpiryShards.Count; shard++)
        {
            IReadOnlyList<FileExpiry> due = await grains.GetGrain<IFileExpiryIndexGrain>(FileExpiryShards.Key(shard))
                .DueAsync(time.GetUtcNow(), FileExpiryShards.MaxDue);
            foreach (FileExpiry expiry in due)
            {
                FileResult purged = await grains.GetGrain<IFileGrain>(expiry.FileId).PurgeIfExpiredAsync();
                if (purged.Status != FileStatus.Ok) continue;
                await store.DeleteAsync(expiry.FileId, cancellationToken);
                deleted++;
            }
        }
        if (deleted > 0) LogSwept(deleted);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired files")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The expired-file sweep failed; it is retried at the next interval")]
    private partial void LogSweepFailed(Exception e);
}
