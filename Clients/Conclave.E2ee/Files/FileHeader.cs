using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/* docs/file-format.md, "Header (clear, 32 bytes)"; integers big-endian
    0        4     5     6          8            12             20                24       32
   | "CNCF" | ver | suite | reserved | chunk size | nonce prefix | manifest length |  size  |
   |   4    |  1  |   1   |    2     |     4      |      8       |        4        |   8    |          */
/// <summary>
/// The clear header of an encrypted file (docs/file-format.md): chunk size, nonce prefix, manifest length and size.
/// Version 1, suite 1 (AES-256-GCM, 12-byte nonce, 16-byte tag) and the zero reserved field are implied. Every record's
/// AAD holds these 32 bytes, so a change to any field makes the manifest fail to open.
/// </summary>
/// <param name="ChunkSize">Plaintext bytes per chunk, <see cref="MinChunkSize"/> to <see cref="MaxChunkSize"/>.</param>
/// <param name="NoncePrefix">The first 8 bytes of every record's nonce (big-endian), random per file.</param>
/// <param name="ManifestLength">Plaintext bytes of the manifest, <see cref="MinManifestLength"/> to <see cref="MaxManifestLength"/>.</param>
/// <param name="Size">Plaintext bytes of the file, 0 to <see cref="MaxSize"/>, in at most <see cref="MaxChunkCount"/> chunks.</param>
public readonly record struct FileHeader(int ChunkSize, ulong NoncePrefix, int ManifestLength, long Size)
{
    /// <summary>The header's length.</summary>
    public const int Length = 32;

    /// <summary>The format version this library reads and writes.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Suite 1: AES-256-GCM, 12-byte nonce, 16-byte tag.</summary>
    public const byte Suite = 1;

    /// <summary>The smallest chunk size.</summary>
    public const int MinChunkSize = 64;

    /// <summary>The largest chunk size, 64 MiB.</summary>
    public const int MaxChunkSize = 64 * 1024 * 1024;

    /// <summary>The chunk size writers use unless told otherwise, 4 MiB.</summary>
    public const int DefaultChunkSize = 4 * 1024 * 1024;

    /// <summary>The shortest manifest: a one-byte name, no media type (45 + 1 + 0).</summary>
    public const int MinManifestLength = FileManifest.FixedLength + 1;

    /// <summary>The longest manifest: a 1,024-byte name and a 255-byte media type.</summary>
    public const int MaxManifestLength = FileManifest.FixedLength + FileManifest.MaxNameLength + FileManifest.MaxMediaTypeLength;

    /// <summary>The largest file, 2^53 − 1 bytes (JavaScript's largest safe integer).</summary>
    public const long MaxSize = (1L << 53) - 1;

    /// <summary>The most chunks: every record number (chunk <c>i</c> is record <c>i + 1</c>) fits its 4 bytes.</summary>
    public const long MaxChunkCount = uint.MaxValue;

    /// <summary>The AES-GCM tag that ends every record.</summary>
    public const int TagLength = 16;

    /// <summary>The nonce: prefix (8) || record number (4).</summary>
    public const int NonceLength = 12;

    private const int ChunkSizeAt = 8, NoncePrefixAt = 12, ManifestLengthAt = 20, SizeAt = 24;

    /// <summary>"CNCF".</summary>
    public static ReadOnlySpan<byte> Magic => "CNCF"u8;

    /// <summary>Whether every field is in range, the chunk count included.</summary>
    public bool IsValid => ChunkSize is >= MinChunkSize and <= MaxChunkSize
        && ManifestLength is >= MinManifestLength and <= MaxManifestLength
        && Size is >= 0 and <= MaxSize
        && ChunkCountOf(Size, ChunkSize) <= MaxChunkCount;

    /// <summary><c>n = max(1, ceil(size / chunk size))</c>: an empty file has one empty chunk.</summary>
    public long ChunkCount => ChunkCountOf(Size, ChunkSize);

    /// <summary>The bytes before the first chunk: the header and the manifest record.</summary>
    public int HeadLength => Length + ManifestLength + TagLength;

    /// <summary>The whole encrypted file's length: <c>32 + manifest length + 16 + size + 16 × n</c>.</summary>
    public long EncryptedLength => HeadLength + Size + TagLength * ChunkCount;

    /// <summary>The plaintext bytes of chunk <paramref name="index"/>: the chunk size, but the last holds the rest.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a chunk of this file.</exception>
    public int ChunkLength(long index)
    {
        long count = ChunkCount;
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        return index < count - 1 ? ChunkSize : (int)(Size - (count - 1) * ChunkSize);
    }

    /// <summary><c>max(1, ceil(size / chunk size))</c>; 0 for a chunk size that is not positive or a negative size.</summary>
    public static long ChunkCountOf(long size, int chunkSize) =>
        chunkSize <= 0 || size < 0 ? 0 : Math.Max(1, size / chunkSize + (size % chunkSize == 0 ? 0 : 1));

    /// <summary>A random nonce prefix from the OS CSPRNG, made once per file.</summary>
    public static ulong NewNoncePrefix()
    {
        Span<byte> prefix = stackalloc byte[8];
        RandomNumberGenerator.Fill(prefix);
        return BinaryPrimitives.ReadUInt64BigEndian(prefix);
    }

    /// <summary>
    /// Reads the first 32 bytes of <paramref name="source"/>; false if there are fewer, or for any other magic,
    /// version, suite or reserved value, or a field out of range (<see cref="IsValid"/>). Never throws.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out FileHeader header)
    {
        header = default;
        if (source.Length < Length) return false;
        if (!source[..4].SequenceEqual(Magic) || source[4] != FormatVersion || source[5] != Suite
            || BinaryPrimitives.ReadUInt16BigEndian(source[6..]) != 0)
            return false;
        uint chunkSize = BinaryPrimitives.ReadUInt32BigEndian(source[ChunkSizeAt..]);
        uint manifestLength = BinaryPrimitives.ReadUInt32BigEndian(source[ManifestLengthAt..]);
        ulong size = BinaryPrimitives.ReadUInt64BigEndian(source[SizeAt..]);
        if (chunkSize > MaxChunkSize || manifestLength > MaxManifestLength || size > MaxSize) return false;   // before the casts
        var read = new FileHeader((int)chunkSize, BinaryPrimitives.ReadUInt64BigEndian(source[NoncePrefixAt..]), (int)manifestLength, (long)size);
        if (!read.IsValid) return false;
        header = read;
        return true;
    }

    /// <summary>Writes the 32 bytes to the start of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">A field is out of range, or <paramref name="destination"/> is shorter than 32 bytes.</exception>
    public void Write(Span<byte> destination)
    {
        if (!IsValid) throw new ArgumentException($"The header has a field out of range: {this}.");
        if (destination.Length < Length) throw new ArgumentException($"A header is {Length} bytes.", nameof(destination));
        Magic.CopyTo(destination);
        destination[4] = FormatVersion;
        destination[5] = Suite;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ChunkSizeAt..], (uint)ChunkSize);
        BinaryPrimitives.WriteUInt64BigEndian(destination[NoncePrefixAt..], NoncePrefix);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ManifestLengthAt..], (uint)ManifestLength);
        BinaryPrimitives.WriteUInt64BigEndian(destination[SizeAt..], (ulong)Size);
    }
}
