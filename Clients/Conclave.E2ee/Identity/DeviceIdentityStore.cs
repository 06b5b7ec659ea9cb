using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Conclave.E2ee.Identity;

/// <summary>
/// Keeps a device's <see cref="DeviceIdentity"/> in a file: made on first use, read on every later one.
/// </summary>
/// <remarks>
/// <para><b>What is stored.</b> Both private keys, the Ed25519 secret seed and the X25519 private key, in a small
/// versioned JSON file (see <c>DeviceIdentityFile.cs</c>), not encrypted at rest. The public keys are recomputed on
/// load.</para>
/// <para><b>Who can read it.</b> Only the device's user: on Unix the file is created with mode 0600
/// (<see cref="FilePermissions"/>) in a directory created with mode 0700 (<see cref="DirectoryPermissions"/>), and a
/// file whose mode grants anything to group or others is refused, not loosened or fixed. On Windows the file inherits
/// the ACL of its directory, which for <see cref="DefaultPath"/> (under the user profile) admits the user, SYSTEM and
/// administrators. Anyone who can read the file can impersonate the device; root and the user's own processes can.</para>
/// <para><b>What the server sees.</b> Never this file: only <see cref="DeviceIdentity.SigningPublicKey"/>,
/// <see cref="DeviceIdentity.AgreementPublicKey"/> and signatures that the client chooses to send.</para>
/// <para>Writes are atomic: a temporary file in the same directory, flushed to disk, is hard-linked into place (Unix;
/// moved without overwriting on Windows), which fails if the file exists, so a reader sees no file or a whole one,
/// and of two processes racing to create the identity the second adopts the first's. A file that cannot be used is reported with a <see cref="DeviceIdentityFileException"/>
/// and left as it is; it is never replaced, since a new identity is a new device to every peer.</para>
/// </remarks>
public static class DeviceIdentityStore
{
    /// <summary>The mode of a new identity file on Unix: 0600, read and write for the user only.</summary>
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The mode of a directory created for the file on Unix: 0700.</summary>
    public const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// <c>Conclave/device-identity.json</c> under the user's local application data folder (<c>~/.local/share</c> or
    /// <c>$XDG_DATA_HOME</c> on Linux, <c>%LOCALAPPDATA%</c> on Windows).
    /// </summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify),
            "Conclave", "device-identity.json");

    /// <summary>
    /// The identity in the file at <paramref name="path"/>; if there is none, a new identity, written there first
    /// (creating the directory, 0700 on Unix, if missing). Safe against other threads and processes doing the same.
    /// </summary>
    /// <exception cref="DeviceIdentityFileException">The file exists but is insecure (Unix), malformed, of another
    /// version or holds a key of the wrong length; it is left untouched.</exception>
    /// <exception cref="IOException">The file or its directory cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The operating system denies access.</exception>
    public static DeviceIdentity LoadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        try
        {
            return Load(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Create(fullPath);
        }
    }

    /// <summary>The identity in the existing file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file.</exception>
    /// <exception cref="DirectoryNotFoundException">There is no directory.</exception>
    /// <exception cref="DeviceIdentityFileException">The file is insecure (Unix), malformed, of another version or
    /// holds a key of the wrong length.</exception>
    public static DeviceIdentity Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        using SafeFileHandle handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (!OperatingSystem.IsWindows())
        {
            // Checked on the open handle, so the file read is the file checked.
            UnixFileMode mode = File.GetUnixFileMode(handle);
            if ((mode & GroupOrOthers) != 0)
            {
                throw new DeviceIdentityFileException(fullPath, DeviceIdentityFileError.InsecurePermissions,
                    $"The device identity file '{fullPath}' can be accessed by other users (mode {FormatMode(mode)}); it holds this " +
                    $"device's private keys and must be readable by you only. Run: chmod 600 '{fullPath}'");
            }
        }

        Span<byte> file = stackalloc byte[DeviceIdentityFile.MaxLength + 1];
        int length = 0;
        try
        {
            int read;
            while (length < file.Length && (read = RandomAccess.Read(handle, file[length..], length)) > 0) length += read;
            return DeviceIdentityFile.Read(file[..length], fullPath);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    /// <summary>Deletes the identity file at <paramref name="path"/>: the device gets a new identity on next use.</summary>
    /// <returns>Whether there was a file to delete.</returns>
    /// <remarks>Only unlinks the file; it does not overwrite it, which journalling file systems and SSDs would not honour anyway.</remarks>
    public static bool Delete(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) return false;
        File.Delete(fullPath);
        return true;
    }

    private static DeviceIdentity Create(string fullPath)
    {
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("the path has no directory", nameof(fullPath));
        CreateDirectory(directory);

        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FilePermissions;

        DeviceIdentity identity = DeviceIdentity.Generate();
        Span<byte> file = stackalloc byte[DeviceIdentityFile.Length];
        try
        {
            DeviceIdentityFile.Write(identity, file);
            using (var stream = new FileStream(temporaryPath, options))
            {
                stream.Write(file);
                stream.Flush(flushToDisk: true);
            }
            if (!Publish(temporaryPath, fullPath))
            {
                identity.Dispose();                                  // another thread or process won the race: use theirs
                return Load(fullPath);
            }
            return identity;
        }
        catch
        {
            identity.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
            TryDelete(temporaryPath);
        }
    }

    /// <summary>
    /// Makes the written temporary file the identity file unless one exists: false if one does (the caller adopts it).
    /// On Unix a hard link (atomic, fails if the name exists; the temporary name is then removed by the caller); where
    /// there are no hard links, and on Windows, File.Move without overwrite (MoveFileEx without REPLACE_EXISTING is
    /// atomic on Windows; on Unix .NET checks, then renames, so two creators can still race on such a file system).
    /// </summary>
    private static bool Publish(string temporaryPath, string fullPath)
    {
        switch (UnixHardLink.TryLink(temporaryPath, fullPath))
        {
            case UnixHardLink.LinkResult.Linked: return true;
            case UnixHardLink.LinkResult.Exists: return false;
        }
        try
        {
            File.Move(temporaryPath, fullPath, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(fullPath))
        {
            return false;
        }
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and any missing parent, each 0700 on Unix (as the XDG base directory spec
    /// asks; <see cref="Directory.CreateDirectory(string, UnixFileMode)"/> would give the parents the default mode).
    /// Existing directories are left as they are.
    /// </summary>
    private static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        var missing = new Stack<string>();
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        while (missing.TryPop(out string? d)) Directory.CreateDirectory(d, DirectoryPermissions);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);                                       // no-op once moved into place
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file is harmless: it has the identity's mode and is never read.
        }
    }

    private static string FormatMode(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
