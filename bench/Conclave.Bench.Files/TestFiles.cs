using Conclave.E2ee.Files;
using Conclave.MediaServer.Hosting;

namespace Conclave.Bench.Files;

/// <summary>The random files sent, and what the server makes of them: the encrypted length and the blocks it stages.</summary>
internal static class TestFiles
{
    public const int MiB = 1024 * 1024;

    /// <summary>The server's block size (<c>Conclave:Files:BlockSize</c>, default 8 MiB).</summary>
    public static int ServerBlockSize { get; } = new FilesOptions().BlockSize;

    /// <summary>Writes <paramref name="mib"/> MiB of pseudo-random bytes (incompressible; seeded, so a run can be
    /// repeated) to <paramref name="path"/>.</summary>
    public static void Create(string path, int mib, int seed)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[MiB];
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        for (int i = 0; i < mib; i++)
        {
            random.NextBytes(buffer);
            file.Write(buffer);
        }
    }

    /// <summary>The header of the encrypted file SecureFiles sends for a plaintext of <paramref name="size"/> bytes named
    /// <paramref name="name"/> (default chunk size and media type, as SendAsync makes it): its length and its head's.</summary>
    public static FileHeader Encrypted(string name, long size) =>
        FileEncryptor.CreateHeader(new FileManifest(name, FileManifest.DefaultMediaType, size, new byte[32]), 0);

    /// <summary>
    /// The blocks the server stages for the upload SecureFiles sends (head last, in one PATCH; docs/files.md): the
    /// records in blocks of <see cref="ServerBlockSize"/> (UploadReceiver), the last one ending where the head starts,
    /// then the head. (upload offset, length) of each, in upload order.
    /// </summary>
    public static IReadOnlyList<(long Offset, int Length)> ServerBlocks(FileHeader encrypted)
    {
        var blocks = new List<(long, int)>();
        long headStart = encrypted.EncryptedLength - encrypted.HeadLength;
        for (long at = 0; at < headStart; at += ServerBlockSize) blocks.Add((at, (int)Math.Min(ServerBlockSize, headStart - at)));
        blocks.Add((headStart, encrypted.HeadLength));
        return blocks;
    }
}
