using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Conclave.E2ee.Identity;

/// <summary>
/// Keeps a device's <see cref="DeviceIdentity"/> in a file: made on first use, read on every later one.
/// </summary>
/// <remarks>
/// <para><b>What is stored.</b> The three private keys, the Ed25519 secret seed, the X25519 private key and the X-Wing
/// seed, in a small versioned JSON file (see <c>DeviceIdentityFile.cs</c>), not encrypted at rest. The public keys are
/// recomputed on load.</para>
/// <para><b>Who can read it.</b> Only the device's user: on Unix the file is created with mode 0600
/// (<see cref="FilePermissions"/>) in a directory created with mode 0700 (<see cref="DirectoryPermissions"/>), and a
/// file whose mode grants anything to group or others is refused, not loosened or fixed. On Windows the file inherits
/// the ACL of its directory, which for <see cref="DefaultPath"/> (under the user profile) admits the user, SYSTEM and
/// administrators. Anyone who can read the file can impersonate the device; root and the user's own processes can.</para>
/// <para><b>What the server sees.</b> Never this file: only <see cref="DeviceIdentity.SigningPublicKey"/>,
/// <see cref="DeviceIdentity.AgreementPublicKey"/>, <see cref="DeviceIdentity.XWingPublicKey"/> and signatures that the
/// client chooses to send.</para>
/// <para>Writes are atomic: a temporary file in the same directory, flushed to disk, is hard-linked into place (Unix;
/// moved without overwriting on Windows), which fails if the file exists, so a reader sees no file or a whole one,
/// and of two processes racing to create the identity the second adopts the first's. A file that cannot be used is reported with a <see cref="DeviceIdentityFileException"/>
/// and left as it is; it is never replaced, since a new identity is a new device to every peer.</para>
/// <para><b>Files made before X-Wing</b> (version 1: no X-Wing seed) are upgraded on load, keeping their two keys (so
/// the device stays the same to its peers) and gaining an X-Wing seed, once even when processes load them at the same
/// time: see <see cref="Load"/>. Where the directory cannot be written, the identity loads without an X-Wing key (its
/// wraps then use X25519) and the upgrade is tried again on the next load.</para>
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

    /// <summary>
    /// The identity in the existing file at <paramref name="path"/>. A version 1 file (made before X-Wing) is given an
    /// X-Wing seed and replaced, atomically, by the version 2 file of the same identity:
    /// <code>
    ///   1. offer: a version 2 file with a fresh seed is hard-linked to the upgrade slot `.NAME.upgrade` beside the
    ///      file, which fails if a slot is there (no-clobber, as at creation);
    ///   2. take: whatever the slot holds is hard-linked to a private name, a snapshot nobody can change, and read; it
    ///      must hold this identity's two keys;
    ///   3. unless the file already has an X-Wing seed (then that is the identity), the snapshot is renamed over the
    ///      file (rename(2) replaces atomically), then the slot is removed.
    /// </code>
    /// Every process upgrading the file at once takes the one slot that won, so all get the same X-Wing key; the slot
    /// is removed only once the file has it, so a process that offers later finds the file upgraded in step 3.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no file.</exception>
    /// <exception cref="DirectoryNotFoundException">There is no directory.</exception>
    /// <exception cref="DeviceIdentityFileException">The file (or, on an upgrade, the slot) is insecure (Unix), malformed,
    /// of another version or holds a key of the wrong length; or the slot holds another identity's keys.</exception>
    public static DeviceIdentity Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        DeviceIdentity identity = ReadFile(fullPath);
        if (!identity.HasXWing) return Upgrade(fullPath, identity);
        // An upgrade that stopped between its rename and the slot's removal leaves the slot behind: a copy of the keys.
        string slot = UpgradeSlotPath(fullPath);
        if (File.Exists(slot)) TryDelete(slot);
        return identity;
    }

    /// <summary>Reads and checks one identity file (mode on Unix, format), of either version; errors name
    /// <paramref name="shownPath"/> (by default the file's own path).</summary>
    private static DeviceIdentity ReadFile(string fullPath, string? shownPath = null)
    {
        shownPath ??= fullPath;
        using SafeFileHandle handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (!OperatingSystem.IsWindows())
        {
            // Checked on the open handle, so the file read is the file checked.
            UnixFileMode mode = File.GetUnixFileMode(handle);
            if ((mode & GroupOrOthers) != 0)
            {
                throw new DeviceIdentityFileException(shownPath, DeviceIdentityFileError.InsecurePermissions,
                    $"The device identity file '{shownPath}' can be accessed by other users (mode {FormatMode(mode)}); it holds this " +
                    $"device's private keys and must be readable by you only. Run: chmod 600 '{shownPath}'");
            }
        }

        Span<byte> file = stackalloc byte[DeviceIdentityFile.MaxLength + 1];
        int length = 0;
        try
        {
            int read;
            while (length < file.Length && (read = RandomAccess.Read(handle, file[length..], length)) > 0) length += read;
            return DeviceIdentityFile.Read(file[..length], shownPath);
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
        TryDelete(UpgradeSlotPath(fullPath));
        if (!File.Exists(fullPath)) return false;
        File.Delete(fullPath);
        return true;
    }

    private static DeviceIdentity Create(string fullPath)
    {
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException("the path has no directory", nameof(fullPath));
        CreateDirectory(directory);
        // There is no file, so no upgrade of it is under way: a slot here is left over from a file deleted by hand.
        TryDelete(UpgradeSlotPath(fullPath));

        DeviceIdentity identity = DeviceIdentity.Generate();
        string? temporaryPath = null;
        try
        {
            temporaryPath = WriteTemporary(identity, fullPath);
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
            if (temporaryPath is not null) TryDelete(temporaryPath);
        }
    }

    /// <summary>Writes <paramref name="identity"/> (version 2) to a new temporary file beside <paramref name="fullPath"/>,
    /// 0600 on Unix, flushed to disk; returns its path. The caller deletes it.</summary>
    private static string WriteTemporary(DeviceIdentity identity, string fullPath)
    {
        string temporaryPath = TemporaryPath(fullPath);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FilePermissions;
        Span<byte> file = stackalloc byte[DeviceIdentityFile.Length];
        try
        {
            DeviceIdentityFile.Write(identity, file);
            using var stream = new FileStream(temporaryPath, options);
            stream.Write(file);
            stream.Flush(flushToDisk: true);
            return temporaryPath;
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(file);
        }
    }

    /// <summary>The upgrade of a version 1 identity, as <see cref="Load"/> describes it. Takes ownership of <paramref name="old"/>.</summary>
    private static DeviceIdentity Upgrade(string fullPath, DeviceIdentity old)
    {
        string slot = UpgradeSlotPath(fullPath);
        try
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                if (!Offer(old, fullPath, slot)) return old;         // the directory cannot be written: no X-Wing key this time
                string snapshot = TemporaryPath(fullPath);
                DeviceIdentity? offered = null, current = null;
                try
                {
                    if (!Snapshot(slot, snapshot))
                    {
                        // The slot is gone: another process finished the upgrade since this one's offer.
                        current = ReadFile(fullPath);
                        if (current.HasXWing) return Adopt(ref current, old);
                        continue;
                    }
                    offered = ReadFile(snapshot, slot);
                    if (!offered.HasXWing || !SameKeys(offered, old))
                    {
                        throw new DeviceIdentityFileException(slot, DeviceIdentityFileError.UpgradeConflict,
                            $"The file '{slot}', left by an interrupted upgrade of the device identity file '{fullPath}', holds other keys than " +
                            $"that file. Delete '{slot}'; the identity file is then upgraded on its next load.");
                    }
                    current = ReadFile(fullPath);
                    if (current.HasXWing)
                    {
                        // Upgraded meanwhile: that is the identity. The slot goes only now that the file has its seed.
                        TryDelete(slot);
                        return Adopt(ref current, old);
                    }
                    if (!SameKeys(current, old)) return Adopt(ref current, old);   // replaced by hand meanwhile: taken as it is
                    File.Move(snapshot, fullPath, overwrite: true);
                    TryDelete(slot);
                    return Adopt(ref offered, old);
                }
                finally
                {
                    offered?.Dispose();
                    current?.Dispose();
                    TryDelete(snapshot);
                }
            }
            return old;
        }
        catch
        {
            old.Dispose();
            throw;
        }
    }

    /// <summary>Hands <paramref name="identity"/> to the caller (so the cleanup leaves it alone) and disposes <paramref name="old"/>.</summary>
    private static DeviceIdentity Adopt(ref DeviceIdentity? identity, DeviceIdentity old)
    {
        DeviceIdentity adopted = identity!;
        identity = null;
        old.Dispose();
        return adopted;
    }

    /// <summary>Step 1 of an upgrade: <paramref name="old"/> with a fresh X-Wing seed, offered at <paramref name="slot"/>
    /// unless something is there. False when the directory cannot be written.</summary>
    private static bool Offer(DeviceIdentity old, string fullPath, string slot)
    {
        Span<byte> seed = stackalloc byte[DeviceIdentity.XWingSeedLength];
        string? temporaryPath = null;
        try
        {
            RandomNumberGenerator.Fill(seed);
            using DeviceIdentity candidate = old.WithXWingSeed(seed);
            temporaryPath = WriteTemporary(candidate, fullPath);
            Publish(temporaryPath, slot);                            // false: another process's offer is there; taken in step 2
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && e is not DeviceIdentityFileException))
        {
            return false;                                            // read-only directory or file system, disk full…
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            if (temporaryPath is not null) TryDelete(temporaryPath);
        }
    }

    /// <summary>Step 2 of an upgrade: what <paramref name="slot"/> holds now, under the private name <paramref name="snapshot"/>
    /// (a hard link, else a copy). False if there is no slot.</summary>
    private static bool Snapshot(string slot, string snapshot)
    {
        switch (UnixHardLink.TryLink(slot, snapshot))
        {
            case UnixHardLink.LinkResult.Linked: return true;
            case UnixHardLink.LinkResult.Missing: return false;
        }
        try
        {
            File.Copy(slot, snapshot, overwrite: false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    private static bool SameKeys(DeviceIdentity a, DeviceIdentity b) =>
        a.SigningPublicKey.SequenceEqual(b.SigningPublicKey) && a.AgreementPublicKey.SequenceEqual(b.AgreementPublicKey);

    /// <summary>The upgrade slot of the identity file at <paramref name="fullPath"/> (step 1 of <see cref="Load"/>).</summary>
    internal static string UpgradeSlotPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.upgrade");

    private static string TemporaryPath(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");

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
