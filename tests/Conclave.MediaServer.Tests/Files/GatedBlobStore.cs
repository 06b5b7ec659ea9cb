using Conclave.FileStore;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// A local directory store whose StageBlock holds every block from <see cref="GateOffset"/> on until
/// <see cref="Open"/>: an upload then stops there for as long as a test needs (to interrupt it at a known point).
/// </summary>
internal sealed class GatedBlobStore(string directory, long gateOffset) : IBlobStore
{
    private readonly LocalDirectoryBlobStore _inner = new(directory);
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long GateOffset => gateOffset;

    /// <summary>Lets held and later blocks through.</summary>
    public void Open() => _open.TrySetResult();

    public async Task StageBlockAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (BlockIds.TryGetOffset(blockId, out long offset) && offset >= gateOffset) await _open.Task.WaitAsync(cancellationToken);
        await _inner.StageBlockAsync(blobName, blockId, data, cancellationToken);
    }

    public Task CommitAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken) => _inner.CommitAsync(blobName, blockIds, cancellationToken);
    public Task<long?> GetLengthAsync(string blobName, CancellationToken cancellationToken) => _inner.GetLengthAsync(blobName, cancellationToken);
    public Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken) => _inner.OpenReadAsync(blobName, offset, length, cancellationToken);
    public Task DeleteAsync(string blobName, CancellationToken cancellationToken) => _inner.DeleteAsync(blobName, cancellationToken);
}
