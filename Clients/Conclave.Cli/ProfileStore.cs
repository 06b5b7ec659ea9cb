using System.Text.Json;

namespace Conclave.Cli;

/// <summary>
/// Where the saved login lives: <c>$CONCLAVE_HOME</c> if set, else <c>$XDG_CONFIG_HOME/conclave</c>, else
/// <c>~/.config/conclave</c> (on Windows, the ApplicationData folder). On Unix the directory is created 0700 and
/// <c>profile.json</c> 0600; the file is replaced atomically (written beside it, then renamed over it).
/// </summary>
internal sealed class ProfileStore
{
    public const string HomeVariable = "CONCLAVE_HOME";
    public const string FileName = "profile.json";
    private const int MaxProfileBytes = 64 * 1024;
    private const UnixFileMode ProfileDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode ProfileFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public ProfileStore(string directory)
    {
        DirectoryPath = directory;
        FilePath = Path.Combine(directory, FileName);
    }

    public string DirectoryPath { get; }
    public string FilePath { get; }

    /// <summary>The profile directory for this environment.</summary>
    /// <exception cref="CliException">No home directory can be found.</exception>
    public static ProfileStore For(CliHost host)
    {
        if (host.Env(HomeVariable) is { } home) return new ProfileStore(Path.GetFullPath(home));
        if (OperatingSystem.IsWindows())
        {
            string appData = host.Env("APPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
            if (appData.Length > 0) return new ProfileStore(Path.Combine(appData, "conclave"));
        }
        else
        {
            // XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
            if (host.Env("XDG_CONFIG_HOME") is { } xdg && Path.IsPathRooted(xdg)) return new ProfileStore(Path.Combine(xdg, "conclave"));
            string userHome = host.Env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (userHome.Length > 0) return new ProfileStore(Path.Combine(userHome, ".config", "conclave"));
        }
        throw new CliException($"cannot find a home directory for the saved login; set {HomeVariable}");
    }

    /// <summary>The saved profile, or null when there is none.</summary>
    /// <exception cref="CliException">The file exists but cannot be read or is damaged.</exception>
    public Profile? Load()
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(FilePath);
            if (!info.Exists) return null;
            if (info.Length > MaxProfileBytes) throw new CliException($"the saved login {FilePath} is too large to be a profile; run 'conclave login' again");
            bytes = File.ReadAllBytes(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the saved login {FilePath}: {e.Message}");
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, CliJsonContext.Default.Profile)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new CliException($"the saved login {FilePath} is damaged ({e.Message}); run 'conclave login' again");
        }
    }

    /// <summary>Creates the directory if needed and proves a file can be written there (before an invitation is spent).</summary>
    /// <exception cref="CliException">It cannot.</exception>
    public void EnsureWritable()
    {
        try
        {
            CreateDirectory();
            string probe = TempPath();
            using (new FileStream(probe, CreateOptions())) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the login to {DirectoryPath}: {e.Message}; set {HomeVariable} to a writable directory");
        }
    }

    /// <summary>Replaces the profile atomically.</summary>
    /// <exception cref="IOException">Or <see cref="UnauthorizedAccessException"/>: it could not be written.</exception>
    public void Save(Profile profile)
    {
        CreateDirectory();
        string temp = TempPath();
        try
        {
            using (var stream = new FileStream(temp, CreateOptions()))
            {
                JsonSerializer.Serialize(stream, profile, CliJsonContext.Default.Profile);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);               // rename(2): readers see the old or the new file, never half
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private void CreateDirectory()
    {
        if (Directory.Exists(DirectoryPath)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(DirectoryPath);
        else Directory.CreateDirectory(DirectoryPath, ProfileDirectoryMode);
    }

    private string TempPath() => Path.Combine(DirectoryPath, $".{FileName}.{Guid.NewGuid():N}.tmp");

    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = ProfileFileMode;
        return options;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stray temp file is harmless.
        }
    }
}
