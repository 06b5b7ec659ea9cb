using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace Conclave.E2ee.Files;

/* docs/file-format.md, "Manifest (sealed, record 0)"; integers big-endian, no trailing bytes
   | version 1 (1) | L (2) | name, UTF-8 (L) | T (2) | media type, ASCII (T) | size (8) | SHA-256 of the plaintext (32) |
   length = 45 + L + T;  L 1..1024;  T 0..255                                                                          */
/// <summary>
/// What an encrypted file says about itself, sealed as its record 0 (docs/file-format.md, "Manifest"): the file's name,
/// media type, size and SHA-256. Instances always hold valid values: the constructor refuses others, and
/// <see cref="TryDecode"/> any bytes that break the rules.
/// </summary>
/// <remarks>
/// A name is 1 to 1,024 bytes of UTF-8 with no <c>/</c>, <c>\</c> or control character (U+0000–U+001F,
/// U+007F–U+009F), and is neither <c>.</c> nor <c>..</c>; a media type is 0 to 255 printable ASCII characters
/// (0x20–0x7E). The sender hashes the plaintext before encrypting it (<see cref="ComputeAsync"/>): the manifest is the
/// first record.
/// </remarks>
public sealed class FileManifest
{
    /// <summary>The manifest version this library reads and writes.</summary>
    public const byte ManifestVersion = 1;

    /// <summary>The bytes of a manifest besides its name and media type: 1 + 2 + 2 + 8 + 32.</summary>
    public const int FixedLength = 45;

    /// <summary>The longest name, in UTF-8 bytes.</summary>
    public const int MaxNameLength = 1024;

    /// <summary>The longest media type.</summary>
    public const int MaxMediaTypeLength = 255;

    /// <summary>The media type of a file whose type is not known.</summary>
    public const string DefaultMediaType = "application/octet-stream";

    private const int HashLength = 32;
    private const int CopyBufferLength = 1024 * 1024;

    private readonly byte[] _sha256;

    /// <summary>A manifest for a file of <paramref name="size"/> bytes whose SHA-256 is <paramref name="sha256"/>.</summary>
    /// <exception cref="ArgumentException">The name or the media type breaks the rules, <paramref name="size"/> is
    /// negative or over 2^53 − 1, or <paramref name="sha256"/> is not 32 bytes.</exception>
    public FileManifest(string name, string mediaType, long size, ReadOnlySpan<byte> sha256)
    {
        if (!IsValidName(name)) throw new ArgumentException("A file name is 1 to 1,024 UTF-8 bytes, without '/', '\\' or control characters, and not '.' or '..'.", nameof(name));
        if (!IsValidMediaType(mediaType)) throw new ArgumentException("A media type is 0 to 255 printable ASCII characters.", nameof(mediaType));
        if (size is < 0 or > FileHeader.MaxSize) throw new ArgumentException($"A file is 0 to {FileHeader.MaxSize} bytes.", nameof(size));
        if (sha256.Length != HashLength) throw new ArgumentException("A SHA-256 is 32 bytes.", nameof(sha256));
        Name = name;
        MediaType = mediaType;
        Size = size;
        _sha256 = sha256.ToArray();
        EncodedLength = FixedLength + Encoding.UTF8.GetByteCount(name) + mediaType.Length;
    }

    /// <summary>The file's name (no path).</summary>
    public string Name { get; }

    /// <summary>The file's media type; <see cref="DefaultMediaType"/> when unknown, or empty.</summary>
    public string MediaType { get; }

    /// <summary>The plaintext's length in bytes (equal to the header's size).</summary>
    public long Size { get; }

    /// <summary>The SHA-256 of the whole plaintext, 32 bytes.</summary>
    public ReadOnlySpan<byte> Sha256 => _sha256;

    /// <summary>The manifest's length, 45 + name bytes + media type bytes: the header's manifest length.</summary>
    public int EncodedLength { get; }

    /// <summary>
    /// Reads the plaintext to its end and makes its manifest: its size and SHA-256, with <paramref name="name"/> and
    /// <paramref name="mediaType"/>. The sender's first pass over the file; encryption is the second.
    /// </summary>
    /// <param name="plaintext">The file, read from where it is to its end.</param>
    /// <param name="name">The file's name (see <see cref="IsValidName"/>), e.g. <c>Path.GetFileName(path)</c>.</param>
    /// <param name="mediaType">The media type, or null for <see cref="DefaultMediaType"/>.</param>
    /// <param name="progress">Told the bytes hashed so far.</param>
    /// <param name="cancellationToken">Stops the hashing.</param>
    /// <exception cref="ArgumentException">The name or the media type breaks the rules, or the file is over 2^53 − 1 bytes.</exception>
    public static async Task<FileManifest> ComputeAsync(Stream plaintext, string name, string? mediaType = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        mediaType ??= DefaultMediaType;
        if (!IsValidName(name)) throw new ArgumentException("Not a valid file name.", nameof(name));
        if (!IsValidMediaType(mediaType)) throw new ArgumentException("Not a valid media type.", nameof(mediaType));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        long size = 0;
        try
        {
            int read;
            while ((read = await plaintext.ReadAsync(buffer.AsMemory(0, CopyBufferLength), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                size += read;
                if (size > FileHeader.MaxSize) throw new ArgumentException($"A file is at most {FileHeader.MaxSize} bytes.", nameof(plaintext));
                progress?.Report(size);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
        return new FileManifest(name, mediaType, size, hash.GetHashAndReset());
    }

    /// <summary>
    /// Whether <paramref name="name"/> may be a file's name: 1 to 1,024 UTF-8 bytes (no unpaired surrogate), no
    /// <c>/</c>, <c>\</c> or control character (U+0000–U+001F, U+007F–U+009F), and neither <c>.</c> nor <c>..</c>.
    /// </summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name is "." or "..") return false;
        int bytes = 0;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 == name.Length || !char.IsLowSurrogate(name[i + 1])) return false;
                i++;
                bytes += 4;
            }
            else if (char.IsLowSurrogate(c) || IsControl(c) || c is '/' or '\\')
            {
                return false;
            }
            else
            {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
            if (bytes > MaxNameLength) return false;
        }
        return true;
    }

    /// <summary>Whether <paramref name="mediaType"/> may be a media type: 0 to 255 printable ASCII characters (0x20–0x7E).</summary>
    public static bool IsValidMediaType(string? mediaType)
    {
        if (mediaType is null || mediaType.Length > MaxMediaTypeLength) return false;
        foreach (char c in mediaType)
            if (c is < ' ' or > '~') return false;
        return true;
    }

    /// <summary>The manifest's bytes, <see cref="EncodedLength"/> long.</summary>
    public byte[] Encode()
    {
        byte[] bytes = new byte[EncodedLength];
        int at = 0;
        bytes[at++] = ManifestVersion;
        int nameLength = Encoding.UTF8.GetBytes(Name, bytes.AsSpan(at + 2));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)nameLength);
        at += 2 + nameLength;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)MediaType.Length);
        at += 2;
        at += Encoding.ASCII.GetBytes(MediaType, bytes.AsSpan(at));
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at), (ulong)Size);
        at += 8;
        _sha256.CopyTo(bytes, at);
        return bytes;
    }

    /// <summary>
    /// Reads a manifest: exactly <paramref name="source"/>, version 1, its fields within the rules. False for anything
    /// else (the reader's <see cref="FileFormatError.BadManifest"/>); never throws. The caller compares
    /// <see cref="Size"/> with the header's.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out FileManifest? manifest)
    {
        manifest = null;
        if (source.Length < FixedLength || source[0] != ManifestVersion) return false;
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(source[1..]);
        if (nameLength is < 1 or > MaxNameLength || 3 + nameLength + 2 > source.Length) return false;
        ReadOnlySpan<byte> name = source.Slice(3, nameLength);
        int typeLength = BinaryPrimitives.ReadUInt16BigEndian(source[(3 + nameLength)..]);
        if (typeLength > MaxMediaTypeLength || source.Length != FixedLength + nameLength + typeLength) return false;
        ReadOnlySpan<byte> mediaType = source.Slice(5 + nameLength, typeLength);
        ulong size = BinaryPrimitives.ReadUInt64BigEndian(source[(5 + nameLength + typeLength)..]);
        if (size > FileHeader.MaxSize || !Utf8.IsValid(name)) return false;               // strict: no overlong forms, no surrogates
        foreach (byte b in mediaType)
            if (b is < 0x20 or > 0x7E) return false;
        string decodedName = Encoding.UTF8.GetString(name);                               // keeps a leading U+FEFF
        string decodedType = Encoding.ASCII.GetString(mediaType);
        if (!IsValidName(decodedName)) return false;
        manifest = new FileManifest(decodedName, decodedType, (long)size, source[^HashLength..]);
        return true;
    }

    /// <summary>Shows the name, media type and size.</summary>
    public override string ToString() => $"FileManifest {{ Name = {Name}, MediaType = {MediaType}, Size = {Size} }}";

    private static bool IsControl(char c) => c < 0x20 || c is >= '\u007F' and <= '\u009F';
}
