namespace Conclave.E2ee.Identity;

/// <summary>
/// A device identity file exists but cannot be used. The store never repairs or replaces such a file: doing so
/// would silently give the device a new identity, which its peers see as a different device.
/// </summary>
public sealed class DeviceIdentityFileException : IOException
{
    /// <summary>A refusal of the file at <paramref name="path"/> for <paramref name="error"/>.</summary>
    public DeviceIdentityFileException(string path, DeviceIdentityFileError error, string message)
        : base(message)
    {
        Path = path;
        Error = error;
    }

    /// <summary>The full path of the refused file.</summary>
    public string Path { get; }

    /// <summary>Why the file was refused.</summary>
    public DeviceIdentityFileError Error { get; }
}
