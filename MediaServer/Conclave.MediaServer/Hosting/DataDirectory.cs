namespace Conclave.MediaServer.Hosting;

/// <summary>Files in the data directory; secrets are readable by the server's user only.</summary>
public static class DataDirectory
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (owner-only on Unix) and returns it.</summary>
    public static string Ensure(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyDirectory);
        return path;
    }

    /// <summary>Writes a secret atomically with owner-only permissions.</summary>
    public static void WriteSecret(string path, string content) => WriteSecret(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <inheritdoc cref="WriteSecret(string, string)"/>
    public static void WriteSecret(string path, byte[] content)
    {
        Ensure(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) fileOptions.UnixCreateMode = OwnerOnlyFile;
        using (var stream = new FileStream(temporary, fileOptions))
        {
            stream.Write(content);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
