using System.Runtime.InteropServices;

namespace Conclave.E2ee.Identity;

/// <summary>
/// link(2) (POSIX.1-2017): names an existing file by a new path, failing with EEXIST if that path exists. It is the
/// atomic no-clobber publish that <see cref="File.Move(string, string, bool)"/> is not: with overwrite false, .NET on
/// Unix checks the destination with lstat and then calls rename(2), which replaces a file created in between.
/// </summary>
internal static partial class UnixHardLink
{
    /// <summary>Links <paramref name="existingPath"/> as <paramref name="newPath"/>.</summary>
    /// <returns><see cref="LinkResult.Linked"/>; <see cref="LinkResult.Exists"/> when <paramref name="newPath"/> already
    /// exists; <see cref="LinkResult.Missing"/> when <paramref name="existingPath"/> does not; <see cref="LinkResult.Unsupported"/>
    /// when the platform or file system offers no hard links.</returns>
    public static LinkResult TryLink(string existingPath, string newPath)
    {
        if (OperatingSystem.IsWindows()) return LinkResult.Unsupported;
        try
        {
            if (link(existingPath, newPath) == 0) return LinkResult.Linked;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return LinkResult.Unsupported;
        }
        return Marshal.GetLastPInvokeError() switch
        {
            EExist => LinkResult.Exists,
            ENoEnt => LinkResult.Missing,
            _ => LinkResult.Unsupported,
        };
    }

    /// <summary>The outcome of <see cref="TryLink"/>.</summary>
    public enum LinkResult
    {
        Linked,
        Exists,
        Missing,
        Unsupported,
    }

    private const int ENoEnt = 2;                                    // ENOENT on Linux, macOS and the BSDs
    private const int EExist = 17;                                   // EEXIST on Linux, macOS and the BSDs

#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks for string marshalling; DllImport does not.
    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);
#pragma warning restore SYSLIB1054
}
