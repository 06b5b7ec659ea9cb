namespace Conclave.E2ee.Tests.Identity;

/// <summary>A fresh directory under the system temp path, deleted with everything in it on Dispose.</summary>
internal sealed class IdentityTestDirectory : IDisposable
{
    public IdentityTestDirectory()
    {
        Root = Path.Combine(Path.GetTempPath(), $"conclave-identity-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>An identity file path in a subdirectory that does not exist yet, for the store to create.</summary>
    public string NewIdentityPath(string subdirectory = "profile") => Path.Combine(Root, subdirectory, "device-identity.json");

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> with mode 0600 (Unix), as the store would.</summary>
    public static void WriteSecret(string path, ReadOnlySpan<byte> contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, contents);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
