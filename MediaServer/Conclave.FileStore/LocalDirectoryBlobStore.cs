using System.Globalization;

namespace Conclave.FileStore;

/// <summary>
/// An <see cref="IBlobStore"/> in a local directory, for single-node deployments and development.
/// <para>
/// Layout under <see cref="RootDirectory"/> (created 0700 on Unix if missing; files are created 0600):
/// <c>blobs/{name}</c> is a committed blob, <c>blobs/{name}.blocks</c> the list of block ids it was committed from (to
/// recognise the retry of a commit, see <see cref="IBlobStore.CommitAsync"/>), and <c>staging/{name}/{hex}</c> a staged
/// block, where <c>{hex}</c> is the hex of the block id's decoded bytes. Names and ids are validated first, so no path
/// is ever made from unchecked input. Every file appears by an atomic rename of a complete temporary file (<c>*.tmp</c>, flushed to disk first): a
/// staged block is whole or absent, and a commit concatenates the listed blocks into a temporary file and renames it
/// over the blob, so a reader sees the old blob or the new one, never a mixture. The commit then replaces the block
/// list the same way and discards the staging directory (renamed to <c>staging/{name}.{guid}.discard</c>, then deleted).
/// </para>
/// <para>
/// Concurrency: operations on different blobs touch disjoint files and run in parallel. Operations on the same blob
/// take no lock (the host serializes them per file); run concurrently, they cannot corrupt a committed blob but may
/// race: the last commit's rename wins; a block staged while the blob is committed or deleted may be discarded with
/// the others, or the stage may fail with an <see cref="IOException"/>; a commit racing a delete may leave its blob
/// behind. An open read stream keeps reading the version it opened even if the blob is replaced or deleted meanwhile
/// (Unix file semantics).
/// </para>
/// <para>
/// Requirements: one process per root directory, a case-sensitive file system (blob names differing only in case are
/// different blobs), and a file system where rename is atomic. A crash can leave <c>*.tmp</c> and <c>*.discard</c>
/// entries behind; they are never read and may be deleted while the store is stopped.
/// </para>
/// </summary>
public sealed class LocalDirectoryBlobStore : BlobStore
{
    private const string BlobsDirectoryName = "blobs";
    private const string StagingDirectoryName = "staging";
    private const string BlockListSuffix = ".blocks";
    private const string BlockListHeader = "conclave-block-list 1 ";
    private const int CopyBufferSize = 128 * 1024;
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _blobs;
    private readonly string _staging;

    /// <summary>Creates a store rooted at <paramref name="rootDirectory"/>, creating it (0700 on Unix) and its
    /// subdirectories if missing. An existing directory keeps its permissions.</summary>
    /// <param name="rootDirectory">The directory holding this store's blobs and nothing else.</param>
    /// <exception cref="ArgumentException"><paramref name="rootDirectory"/> is null, empty or white space.</exception>
    /// <exception cref="IOException">The directories cannot be created.</exception>
    public LocalDirectoryBlobStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _blobs = Path.Combine(RootDirectory, BlobsDirectoryName);
        _staging = Path.Combine(RootDirectory, StagingDirectoryName);
        CreatePrivateDirectory(RootDirectory);
        CreatePrivateDirectory(_blobs);
        CreatePrivateDirectory(_staging);
    }

    /// <summary>The full path of the root directory.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    protected override Task<long?> GetLengthCoreAsync(string blobName, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<long?>(cancellationToken);
        try
        {
            var info = new FileInfo(BlobPath(blobName));
            return Task.FromResult<long?>(info.Exists ? info.Length : null);
        }
        catch (Exception ex)
        {
            return Task.FromException<long?>(ex);
        }
    }

    /// <inheritdoc />
    protected override Task<Stream> OpenReadCoreAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<Stream>(cancellationToken);
        try
        {
            return Task.FromResult(OpenRange(blobName, offset, length));
        }
        catch (Exception ex)
        {
            return Task.FromException<Stream>(ex);
        }
    }

    /// <inheritdoc />
    protected override Task DeleteCoreAsync(string blobName, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        try
        {
            File.Delete(BlobPath(blobName)); // no error if it does not exist
            File.Delete(BlockListPath(blobName));
            DiscardStaging(blobName);
            return Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    /// <inheritdoc />
    protected override async Task StageBlockCoreAsync(string blobName, string blockId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string directory = StagingDirectory(blobName);
        CreatePrivateDirectory(directory);
        string path = Path.Combine(directory, BlockFileName(blockId));
        string temp = TemporaryPathFor(path);
        try
        {
            await using (var file = new FileStream(temp, NewFileOptions(data.Length)))
            {
                await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true); // rename(2): atomic on one file system; replaces an earlier stage
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
    }

    /// <inheritdoc />
    protected override async Task CommitCoreAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Check every block before writing anything: a bad list leaves the blob as it was.
        string directory = StagingDirectory(blobName);
        var blockPaths = new string[blockIds.Count];
        long total = 0;
        int missing = -1, staged = 0;
        for (int i = 0; i < blockPaths.Length; i++)
        {
            blockPaths[i] = Path.Combine(directory, BlockFileName(blockIds[i]));
            var info = new FileInfo(blockPaths[i]);
            if (info.Exists)
            {
                staged++;
                total += info.Length;
            }
            else if (missing < 0)
            {
                missing = i;
            }
        }
        if (missing >= 0)
        {
            if (staged == 0 && await IsCurrentBlockListAsync(blobName, blockIds, cancellationToken).ConfigureAwait(false)) return;
            throw new InvalidBlockListException(blobName, blockIds[missing]);
        }

        string path = BlobPath(blobName);
        string temp = TemporaryPathFor(path);
        string listTemp = TemporaryPathFor(BlockListPath(blobName));
        try
        {
            await using (var output = new FileStream(temp, NewFileOptions(total)))
            {
                for (int i = 0; i < blockPaths.Length; i++)
                {
                    FileStream input;
                    try
                    {
                        input = OpenForReading(blockPaths[i]);
                    }
                    catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                    {
                        throw new InvalidBlockListException(blobName, blockIds[i]); // discarded since the check above
                    }
                    await using (input)
                    {
                        await input.CopyToAsync(output, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                    }
                }
                output.Flush(flushToDisk: true);
            }
            await WriteBlockListAsync(listTemp, total, blockIds, cancellationToken).ConfigureAwait(false);

            // rename(2), atomic on one file system: readers see the old blob or the new one. The block list follows the
            // blob; until the staging directory is discarded below, a retry finds every block staged and commits anew.
            File.Move(temp, path, overwrite: true);
            File.Move(listTemp, BlockListPath(blobName), overwrite: true);
        }
        catch
        {
            TryDeleteFile(temp);
            TryDeleteFile(listTemp);
            throw;
        }

        DiscardStaging(blobName);
    }

    private Stream OpenRange(string blobName, long offset, long? length)
    {
        FileStream file;
        try
        {
            file = OpenForReading(BlobPath(blobName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(blobName);
        }

        try
        {
            // The length of the opened file: a commit replaces the blob by rename and never writes into it.
            long size = file.Length;
            long start = Math.Min(offset, size);
            long count = length is { } wanted ? Math.Min(wanted, size - start) : size - start;
            file.Seek(start, SeekOrigin.Begin);
            return new BoundedReadStream(file, count);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private string BlobPath(string blobName) => Path.Combine(_blobs, blobName);

    private string StagingDirectory(string blobName) => Path.Combine(_staging, blobName);

    private string BlockListPath(string blobName) => Path.Combine(_blobs, blobName + BlockListSuffix);

    /*  Block list of a committed blob, blobs/{name}.blocks (UTF-8 lines)
        | "conclave-block-list 1 " blob length | block id | block id | ... */

    private static async Task WriteBlockListAsync(string path, long length, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, NewFileOptions(0));
        await using (var writer = new StreamWriter(file, encoding: null, bufferSize: 1 << 16, leaveOpen: true))
        {
            await writer.WriteLineAsync(BlockListHeader + length.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            foreach (string id in blockIds) await writer.WriteLineAsync(id.AsMemory(), cancellationToken).ConfigureAwait(false);
        }
        file.Flush(flushToDisk: true);
    }

    /// <summary>Whether the committed blob exists and was made by exactly <paramref name="blockIds"/> (then a commit of
    /// them is a retry of one that already happened).</summary>
    private async Task<bool> IsCurrentBlockListAsync(string blobName, IReadOnlyList<string> blockIds, CancellationToken cancellationToken)
    {
        var blob = new FileInfo(BlobPath(blobName));
        if (!blob.Exists) return false;
        try
        {
            using var reader = new StreamReader(OpenForReading(BlockListPath(blobName)));
            string? header = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (header is null || !header.StartsWith(BlockListHeader, StringComparison.Ordinal)
                || !long.TryParse(header.AsSpan(BlockListHeader.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long length)
                || length != blob.Length)
                return false;
            foreach (string id in blockIds)
            {
                if (!string.Equals(await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false), id, StringComparison.Ordinal)) return false;
            }
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The hex of the id's decoded bytes: 48 characters of <c>0–9 a–f</c>.</summary>
    private static string BlockFileName(string blockId)
    {
        Span<byte> decoded = stackalloc byte[BlockIds.DecodedLength];
        if (!Convert.TryFromBase64String(blockId, decoded, out int written) || written != decoded.Length)
            throw new ArgumentException("Not a block id made by BlockIds.ForOffset.", nameof(blockId));
        return Convert.ToHexStringLower(decoded);
    }

    /// <summary>A unique sibling of <paramref name="path"/>; the dot keeps it apart from every blob name and block file.</summary>
    private static string TemporaryPathFor(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    /// <summary>Removes the blob's staging directory: renamed away first, so the blocks vanish at once and a later
    /// stage starts a fresh directory, then deleted. A stage racing this may leave the renamed directory behind.</summary>
    private void DiscardStaging(string blobName)
    {
        string discarded = Path.Combine(_staging, $"{blobName}.{Guid.NewGuid():N}.discard");
        try
        {
            Directory.Move(StagingDirectory(blobName), discarded);
        }
        catch (DirectoryNotFoundException)
        {
            return; // nothing staged
        }

        try
        {
            Directory.Delete(discarded, recursive: true);
        }
        catch (IOException)
        {
            // A racing stage wrote into it; the leftover is never read again.
        }
    }

    private static FileStreamOptions NewFileOptions(long preallocationSize)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 0, // whole blocks and 128 KiB copies: no extra buffer
            PreallocationSize = preallocationSize,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFileMode;
        return options;
    }

    private static FileStream OpenForReading(string path) => new(path, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.Read | FileShare.Delete, // a commit may rename over it, a delete remove it
        Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
    });

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, PrivateDirectoryMode);
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover *.tmp is never read.
        }
    }
}
