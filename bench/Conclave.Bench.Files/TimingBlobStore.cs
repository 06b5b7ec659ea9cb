using System.Diagnostics;
using Conclave.FileStore;

namespace Conclave.Bench.Files;

/// <summary>
/// The server's store, timed: registered as the in-process server's <see cref="IBlobStore"/> (the host then makes none
/// of its own), it passes every call to the real store and records StageBlockAsync, CommitAsync, OpenReadAsync and each
/// read of the streams it returns.
/// </summary>
internal sealed class TimingBlobStore(IBlobStore inner, Timeline timeline) : IBlobStore
{
    public async Task StageBlockAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await inner.StageBlockAsync(blobName, blockId, data, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            timeline.Add(Activity.Stage, start, Stopwatch.GetTimestamp(), data.Length);
        }
    }

    public async Task CommitAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await inner.CommitAsync(blobName, blockIds, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            timeline.Add(Activity.Commit, start, Stopwatch.GetTimestamp(), blockIds.Count);
        }
    }

    public Task<long?> GetLengthAsync(string blobName, CancellationToken cancellationToken) => inner.GetLengthAsync(blobName, cancellationToken);

    public async Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        Stream stream = await inner.OpenReadAsync(blobName, offset, length, cancellationToken).ConfigureAwait(false);
        long opened = Stopwatch.GetTimestamp();
        timeline.Add(Activity.BlobOpen, start, opened);
        return new TimedReadStream(stream, timeline, Activity.BlobRead, onDispose: () => timeline.Add(Activity.BlobStream, opened, Stopwatch.GetTimestamp()));
    }

    public Task DeleteAsync(string blobName, CancellationToken cancellationToken) => inner.DeleteAsync(blobName, cancellationToken);
}
