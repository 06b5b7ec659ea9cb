using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Conclave.Grains;

/// <summary>
/// Grain storage in local files: one file per (state name, grain id) under <see cref="FileGrainStorageOptions.RootDirectory"/>.
/// <para>
/// File names never contain the grain key: they are a readable prefix made of the grain type and state name (reduced
/// to <c>[a-z0-9-]</c>) plus the hex SHA-256 of the state name and grain id, so any key is safe and fixed-length.
/// A write goes to a temporary file that is flushed to disk and then renamed over the old one, so a crash leaves
/// either the old or the new state, never a torn file. Each file starts with a random ETag that must match the
/// caller's, else <see cref="InconsistentStateException"/>; the check and the rename are serialized within the
/// process. The directory is the namespace: point two services at two directories.
/// </para>
/// </summary>
public sealed class FileGrainStorage : IGrainStorage
{
    /*  File layout
        | "CNCLGS01" (8 bytes) | ETag: GUID (16 bytes) | payload from the grain storage serializer ... | */
    private const int HeaderLength = 24;
    private const int PrefixMaxLength = 40;
    private const int LockStripes = 64;
    private static ReadOnlySpan<byte> Magic => "CNCLGS01"u8;

    private readonly string _name;
    private readonly string _root;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly SemaphoreSlim[] _locks = new SemaphoreSlim[LockStripes]; // Owned
    private volatile bool _rootCreated;

    /// <summary>Creates a storage over <see cref="FileGrainStorageOptions.RootDirectory"/>.</summary>
    /// <param name="name">The provider name, used in error messages.</param>
    /// <param name="options">Root directory and serializer (both required here).</param>
    /// <param name="activators">Creates the empty state of a grain that has none stored.</param>
    public FileGrainStorage(string name, FileGrainStorageOptions options, IActivatorProvider activators)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootDirectory);
        _name = name;
        _root = Path.GetFullPath(options.RootDirectory);
        _serializer = options.GrainStorageSerializer ?? throw new ArgumentException("A grain storage serializer is required.", nameof(options));
        _activators = activators;
        for (int i = 0; i < _locks.Length; i++) _locks[i] = new SemaphoreSlim(1, 1);
    }

    /// <summary>Creates the provider named <paramref name="name"/> from the silo's services (used by the registration).</summary>
    public static FileGrainStorage Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name);
        return new FileGrainStorage(name, options, services.GetRequiredService<IActivatorProvider>());
    }

    /// <summary>The file that holds <paramref name="stateName"/> of <paramref name="grainId"/>.</summary>
    public string GetFilePath(string stateName, GrainId grainId) => Path.Combine(_root, GetFileName(stateName, grainId));

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = GetFilePath(stateName, grainId);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Reset(grainState);
            return;
        }

        string etag = ReadETag(bytes, path);
        grainState.State = _serializer.Deserialize<T>(new BinaryData(bytes.AsMemory(HeaderLength)));
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = GetFilePath(stateName, grainId);
        var payload = _serializer.Serialize(grainState.State);
        var gate = LockFor(path);
        await gate.WaitAsync();
        try
        {
            string? stored = await ReadStoredETagAsync(path);
            if (!string.Equals(stored, grainState.ETag, StringComparison.Ordinal)) throw Conflict<T>("write", grainId, stored, grainState.ETag);

            var etag = Guid.NewGuid();
            EnsureRoot();
            string temp = $"{path}.{Guid.NewGuid():N}.tmp";
            try
            {
                await using (var file = new FileStream(temp, NewFileOptions))
                {
                    var header = new byte[HeaderLength];
                    Magic.CopyTo(header);
                    etag.TryWriteBytes(header.AsSpan(Magic.Length));
                    await file.WriteAsync(header);
                    await file.WriteAsync(payload.ToMemory());
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true); // rename(2): atomic on one file system
            }
            catch
            {
                TryDelete(temp);
                throw;
            }

            grainState.ETag = etag.ToString("N");
            grainState.RecordExists = true;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>Deletes the file. Clearing a state that is not stored succeeds; clearing one stored with another ETag conflicts.</remarks>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        string path = GetFilePath(stateName, grainId);
        var gate = LockFor(path);
        await gate.WaitAsync();
        try
        {
            string? stored = await ReadStoredETagAsync(path);
            if (stored is not null)
            {
                if (!string.Equals(stored, grainState.ETag, StringComparison.Ordinal)) throw Conflict<T>("clear", grainId, stored, grainState.ETag);
                File.Delete(path);
            }
            Reset(grainState);
        }
        finally
        {
            gate.Release();
        }
    }

    private static string GetFileName(string stateName, GrainId grainId)
    {
        // Length-prefixed fields, so ("ab", "c") and ("a", "bc") cannot hash alike.
        byte[] state = Encoding.UTF8.GetBytes(stateName);
        byte[] grain = Encoding.UTF8.GetBytes(grainId.ToString());
        byte[] input = new byte[8 + state.Length + grain.Length];
        BinaryPrimitives.WriteInt32BigEndian(input, state.Length);
        state.CopyTo(input, 4);
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(4 + state.Length), grain.Length);
        grain.CopyTo(input, 8 + state.Length);
        string hash = Convert.ToHexStringLower(SHA256.HashData(input));
        return $"{Readable($"{grainId.Type}.{stateName}")}-{hash}.grain";
    }

    private static string Readable(string value)
    {
        var result = new StringBuilder(Math.Min(value.Length, PrefixMaxLength));
        foreach (char c in value)
        {
            if (result.Length == PrefixMaxLength) break;
            char lower = char.ToLowerInvariant(c);
            result.Append(char.IsAsciiLetterOrDigit(lower) ? lower : '-');
        }
        return result.Length == 0 ? "state" : result.ToString();
    }

    private static async Task<string?> ReadStoredETagAsync(string path)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, HeaderLength, FileOptions.Asynchronous);
            var header = new byte[HeaderLength];
            int read = await file.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false);
            return ReadETag(header.AsSpan(0, read), path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string ReadETag(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < HeaderLength || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"Grain state file '{Path.GetFileName(path)}' is not in the expected format.");
        }
        return new Guid(bytes.Slice(Magic.Length, 16)).ToString("N");
    }

    private void Reset<T>(IGrainState<T> grainState)
    {
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private InconsistentStateException Conflict<T>(string operation, GrainId grainId, string? stored, string? current) =>
        new($"File grain storage '{_name}': ETag conflict on {operation} of {typeof(T).Name} for {grainId}.", stored ?? "(none)", current ?? "(none)");

    private SemaphoreSlim LockFor(string path) => _locks[(uint)StringComparer.Ordinal.GetHashCode(path) % LockStripes];

    // State includes the token issuer's private key: keep files readable by the service account only.
    private static FileStreamOptions NewFileOptions
    {
        get
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            return options;
        }
    }

    private void EnsureRoot()
    {
        if (_rootCreated) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(_root);
        else Directory.CreateDirectory(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _rootCreated = true;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
