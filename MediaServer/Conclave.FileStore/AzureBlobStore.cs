using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Conclave.FileStore;

/// <summary>
/// An <see cref="IBlobStore"/> over Azure Blob Storage block blobs, one container per store: Put Block per staged
/// block (with a transactional MD5 the service checks), Put Block List to commit, ranged Get Blob to read.
/// <para>
/// A commit first reads the blob's block list (one extra request per upload) and refuses ids that are not staged, so,
/// as in <see cref="LocalDirectoryBlobStore"/>, only blocks staged since the last commit or delete can be listed (Put
/// Block List alone would also take blocks of the committed blob), except in the retry of a commit that already
/// happened (<see cref="IBlobStore.CommitAsync"/>), which is recognised by the committed block list and does nothing. A delete also discards blocks staged for a blob
/// that was never committed (by committing an empty list and deleting that), which Delete Blob alone leaves for the
/// service's one-week garbage collection.
/// </para>
/// <para>
/// The service's 404 (BlobNotFound, ContainerNotFound) becomes <see cref="BlobNotFoundException"/>, a null length or a
/// no-op delete; its 416 on a read at or past the end becomes an empty stream. Every other service failure becomes a
/// <see cref="BlobStoreException"/> whose message holds no connection string, key or SAS. Operations on one blob are
/// atomic on the service's side; a read stream that has to resume after a network error asks for the version it
/// started with (the SDK's If-Match), so it fails rather than mix two versions.
/// </para>
/// </summary>
public sealed class AzureBlobStore : BlobStore
{
    private readonly BlobContainerClient _container; // Borrowed: the caller's client (not disposable)

    /// <summary>Creates a store over <paramref name="container"/>, with that client's credentials, retries and service
    /// version.</summary>
    /// <param name="container">The container that holds the blobs.</param>
    public AzureBlobStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <summary>Creates a store from a connection string (account key or SAS) and a container name.</summary>
    /// <param name="connectionString">An Azure Storage connection string; never repeated in any message.</param>
    /// <param name="containerName">The container: 3 to 63 characters of <c>a–z 0–9 -</c>, starting with a letter or
    /// digit, no two hyphens in a row, not ending with one.</param>
    /// <param name="serviceVersion">The storage REST API version to send; null for the SDK's newest. Azurite 3.37
    /// accepts up to <see cref="BlobClientOptions.ServiceVersion.V2026_06_06"/> unless started with
    /// <c>--skipApiVersionCheck</c>.</param>
    /// <returns>The store; call <see cref="EnsureContainerAsync"/> before the first upload.</returns>
    /// <exception cref="ArgumentException">A malformed connection string, an invalid container name, or an unknown
    /// service version.</exception>
    public static AzureBlobStore Create(string connectionString, string containerName, BlobClientOptions.ServiceVersion? serviceVersion = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!IsValidContainerName(containerName))
            throw new ArgumentException("A container name is 3 to 63 characters of a-z 0-9 -, starting with a letter or digit, with no '--' and no trailing '-'.", nameof(containerName));
        var options = serviceVersion is { } version ? new BlobClientOptions(version) : new BlobClientOptions();
        BlobContainerClient container;
        try
        {
            container = new BlobContainerClient(connectionString, containerName, options);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string: report without it (and without the inner exception).
            throw new ArgumentException("The Azure Storage connection string is malformed (its text is not repeated here).", nameof(connectionString));
        }
        return new AzureBlobStore(container);
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>Creates the container (private: no anonymous access) if it does not exist yet.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <exception cref="BlobStoreException">The service refused or failed.</exception>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("create container", null, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task StageBlockCoreAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlockBlobClient(blobName);
        var options = new BlockBlobStageBlockOptions
        {
            // Content-MD5: the service rejects the block if the bytes it received differ (CRC64 fails on Azurite).
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };
        try
        {
            using var content = new BinaryData(data).ToStream(); // a view of data, no copy
            await blob.StageBlockAsync(blockId, content, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("stage block", blobName, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task CommitCoreAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlockBlobClient(blobName);
        var staged = new HashSet<string>(StringComparer.Ordinal);
        var committed = new List<string>();
        try
        {
            var list = await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var block in list.Value.UncommittedBlocks) staged.Add(block.Name);
            foreach (var block in list.Value.CommittedBlocks) committed.Add(block.Name);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            // Nothing staged and nothing committed.
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("commit (read the block list)", blobName, ex);
        }

        string? missing = blockIds.FirstOrDefault(id => !staged.Contains(id));
        if (missing is not null)
        {
            // The retry of a commit that already happened: the blob is exactly these blocks, none staged anew.
            if (!blockIds.Any(staged.Contains) && blockIds.SequenceEqual(committed, StringComparer.Ordinal)) return;
            throw new InvalidBlockListException(blobName, missing);
        }

        try
        {
            await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 400 && ex.ErrorCode == BlobErrorCode.InvalidBlockList)
        {
            throw new InvalidBlockListException(blobName, null); // discarded after the check above
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("commit", blobName, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<long?> GetLengthCoreAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await _container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ContentLength;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("get length", blobName, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task<Stream> OpenReadCoreAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(blobName);
        try
        {
            if (length == 0)
            {
                // An empty range cannot be asked for; only check that the blob exists.
                await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return EmptyStream();
            }

            // HttpRange(0, null) sends no Range header, so the whole of an empty blob is no error either. A range whose
            // end overflows a long reads to the end: HttpRange would write a negative last byte, a header the service
            // ignores (returning the whole blob).
            long? count = length <= long.MaxValue - offset ? length : null;
            var options = new BlobDownloadOptions { Range = new HttpRange(offset, count) };
            var response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new BlobNotFoundException(blobName);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return EmptyStream(); // the range starts at or past the end of an existing blob
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("read", blobName, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task DeleteCoreAsync(string blobName, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlockBlobClient(blobName);
        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);

            // Blocks staged for a blob with no committed version survive Delete Blob: committing an empty list
            // discards them, and the empty blob that makes is deleted in turn.
            BlockList staged;
            try
            {
                staged = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return; // nothing left (or no container)
            }
            if (!staged.UncommittedBlocks.Any()) return;
            await blob.CommitBlockListAsync([], new CommitBlockListOptions(), cancellationToken).ConfigureAwait(false);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsServiceFailure(ex))
        {
            throw Failure("delete", blobName, ex);
        }
    }

    private static MemoryStream EmptyStream() => new([], writable: false);

    private static bool IsServiceFailure(Exception ex) => ex is RequestFailedException or AggregateException;

    /// <summary>A <see cref="BlobStoreException"/> from the service's status, error code and request id only: the
    /// SDK's message carries the response body and some headers, which can echo request details.</summary>
    private BlobStoreException Failure(string operation, string? blobName, Exception ex)
    {
        // Retries that all failed arrive as an AggregateException of the attempts; report the last one.
        var failure = ex as RequestFailedException
            ?? (ex as AggregateException)?.Flatten().InnerExceptions.OfType<RequestFailedException>().LastOrDefault();
        string target = blobName is null ? $"container '{_container.Name}'" : $"blob '{blobName}' in container '{_container.Name}'";
        string outcome;
        int status = failure?.Status ?? 0;
        if (failure is null)
        {
            outcome = $"{ex.GetType().Name} without a service response";
        }
        else if (status == 0)
        {
            // No response: name the transport failure by kind (e.g. ConnectionError), not by its message.
            outcome = failure.InnerException is HttpRequestException http
                ? $"no response ({nameof(HttpRequestException)}: {http.HttpRequestError})"
                : $"no response ({failure.InnerException?.GetType().Name ?? "unknown"})";
        }
        else
        {
            string? requestId = failure.GetRawResponse()?.Headers.RequestId;
            outcome = $"HTTP {status} {failure.ErrorCode ?? "(no error code)"}, request id {requestId ?? "(none)"}";
            if (failure.ErrorCode == BlobErrorCode.ContainerNotFound) outcome += " (create the container first: EnsureContainerAsync)";
        }
        return new BlobStoreException($"Azure Blob Storage: {operation} failed for {target}: {outcome}.", status, failure?.ErrorCode);
    }

    private static bool IsValidContainerName(string? name)
    {
        if (name is not { Length: >= 3 and <= 63 }) return false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) continue;
            if (c != '-' || i == 0 || i == name.Length - 1 || name[i - 1] == '-') return false;
        }
        return true;
    }
}
