using Conclave.FileStore;
using Conclave.Grains;
using Conclave.MediaServer.Hosting;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Files;

/// <summary>
/// What uploads and deletions do beyond receiving bytes: reserving quota and creating the file grain, committing the
/// block list once the last byte is recorded, and deleting a file's blob with its state. Shared by the tus endpoints,
/// the file API and the expiry sweeper.
/// </summary>
public sealed class Uploads(IBlobStore store, IGrainFactory grains, IOptions<ConclaveOptions> options, TimeProvider time)
{
    private FilesOptions Options => options.Value.Files;

    /// <summary>Creates the upload, sent in file order or with its first <paramref name="headLast"/> bytes last; the file
    /// grain reserves the owner's quota and registers its expiry.</summary>
    public Task<FileResult> CreateAsync(string fileId, string ownerUserId, long length, long headLast) =>
        grains.GetGrain<IFileGrain>(fileId).CreateAsync(ownerUserId, length, time.GetUtcNow() + Options.UploadExpiry, Options.UserQuota, headLast);

    /// <summary>If every byte of <paramref name="view"/> is recorded but the blob is not committed yet (the last PATCH
    /// just ended, or a server stopped between the two), commits the block list (in file order, as the grain lists it)
    /// and marks the file complete.</summary>
    public async Task<FileView> CompleteIfDueAsync(FileView view, string userId, CancellationToken cancellationToken)
    {
        if (view.Complete || view.Offset != view.Length) return view;
        await store.CommitAsync(view.FileId, [.. view.Blocks.Select(b => b.BlockId)], cancellationToken);
        FileResult completed = await grains.GetGrain<IFileGrain>(view.FileId).CompleteAsync(userId, time.GetUtcNow() + Options.FileExpiry);
        return completed.File ?? view;
    }

    /// <summary>The owner deletes a file: its state first (so no new download starts), then its blob.</summary>
    public async Task<FileResult> DeleteAsync(string fileId, string userId, CancellationToken cancellationToken)
    {
        FileResult deleted = await grains.GetGrain<IFileGrain>(fileId).DeleteAsync(userId);
        if (deleted.Status == FileStatus.Ok) await store.DeleteAsync(fileId, cancellationToken);
        return deleted;
    }
}
