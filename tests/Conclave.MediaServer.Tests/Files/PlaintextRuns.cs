using System.Buffers.Binary;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>
/// Whether stored bytes hold a 64-byte run of a plaintext. Any such run contains one whole 32-byte block of the
/// plaintext that starts at a multiple of 32, so it is enough to index those blocks (by their first 8 bytes) and look
/// for each at every position of the stored bytes: a stricter check (a 32-byte block found is reported) that needs
/// 1/32 of the plaintext's size in memory and one pass over the stored bytes.
/// </summary>
internal static class PlaintextRuns
{
    private const int Block = 32;

    public static bool Contains(byte[] stored, byte[] plaintext) => Contains(new MemoryStream(stored), Index(plaintext), plaintext);

    /// <summary>The 32-aligned blocks of <paramref name="plaintext"/>, by their first 8 bytes (the first block with them).</summary>
    public static Dictionary<ulong, long> Index(ReadOnlySpan<byte> plaintext)
    {
        var index = new Dictionary<ulong, long>(plaintext.Length / Block);
        for (int i = 0; i + Block <= plaintext.Length; i += Block) index.TryAdd(BinaryPrimitives.ReadUInt64LittleEndian(plaintext[i..]), i);
        return index;
    }

    /// <summary>Reads <paramref name="stored"/> to its end, looking for any indexed block of <paramref name="plaintext"/>.</summary>
    public static bool Contains(Stream stored, Dictionary<ulong, long> index, ReadOnlySpan<byte> plaintext)
    {
        byte[] buffer = new byte[4 * 1024 * 1024 + Block];
        int kept = 0;                                                     // bytes carried over from the previous read
        while (true)
        {
            int read = stored.ReadAtLeast(buffer.AsSpan(kept), buffer.Length - kept, throwOnEndOfStream: false);
            int length = kept + read;
            for (int i = 0; i + Block <= length; i++)
            {
                if (index.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(i)), out long at)
                    && buffer.AsSpan(i, Block).SequenceEqual(plaintext.Slice((int)at, Block)))
                    return true;
            }
            if (read == 0 || length < buffer.Length) return false;
            kept = Block - 1;
            buffer.AsSpan(length - kept, kept).CopyTo(buffer);
        }
    }
}
