using Conclave.Client.Files;
using Conclave.E2ee.Files;
using Conclave.MediaServer.Hosting;

namespace Conclave.Bench.Files;

/// <summary>The random files sent, and what the server makes of them: the encrypted length and the blocks it stages.</summary>
internal static class TestFiles
{
    public const int MiB = 1024 * 1024;

    /// <summary>The server's block size (<c>Conclave:Files:BlockSize</c>, default 8 MiB).</summary>
    public static int ServerBlockSize { get; } = new FilesOptions().BlockSize;

    /// <summary>The most bytes one PATCH of the client carries (TusUploader.PatchBytes, 128 MiB).</summary>
    public static long PatchBytes { get; } = new TusUploader(new HttpClient(), "unused").PatchBytes;

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

    /// <summary>The length of the encrypted file SecureFiles sends for a plaintext of <paramref name="size"/> bytes
    /// named <paramref name="name"/> (default chunk size and media type, as SendAsync makes it).</summary>
    public static long EncryptedLength(string name, long size) =>
        FileEncryptor.EncryptedLength(new FileManifest(name, FileManifest.DefaultMediaType, size, new byte[32]));

    /// <summary>
    /// The blocks the server stages for an upload of <paramref name="length"/> bytes sent by TusUploader: PATCH bodies
    /// of at most <see cref="PatchBytes"/>, each read in blocks of <see cref="ServerBlockSize"/> (UploadReceiver), the
    /// last block of a body being the rest. (offset, length) of each, in order.
    /// </summary>
    public static IReadOnlyList<(long Offset, int Length)> ServerBlocks(long length)
    {
        var blocks = new List<(long, int)>();
        for (long patch = 0; patch < length; patch += PatchBytes)
        {
            long end = Math.Min(length, patch + PatchBytes);
            for (long at = patch; at < end; at += ServerBlockSize) blocks.Add((at, (int)Math.Min(ServerBlockSize, end - at)));
        }
        return blocks;
    }
}
