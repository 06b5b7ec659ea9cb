namespace Conclave.FileStore.Tests;

/// <summary>A private temporary directory for one test class, deleted afterwards.</summary>
public sealed class TemporaryDirectoryFixture : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "conclave-filestore-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
