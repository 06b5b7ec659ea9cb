using System.Buffers.Binary;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>The header's ranges and the manifest's rules (docs/file-format.md, "Header", "Manifest").</summary>
public sealed class FileHeaderAndManifestTests
{
    public static TheoryData<string, string, bool> Names => new()
    {
        { "plain",                     "report.pdf",                  true },
        { "non-ASCII",                 "Résumé – 履歴書 📄.pdf",       true },
        { "spaces and dots",           " a . b . ",                   true },
        { "three dots",                "...",                         true },
        { "leading U+FEFF",            "\uFEFFx",                     true },
        { "U+00A0 (not a control)",    "a\u00A0b",                    true },
        { "empty",                     "",                            false },
        { "dot",                       ".",                           false },
        { "dot dot",                   "..",                          false },
        { "slash",                     "a/b",                         false },
        { "backslash",                 "a\\b",                        false },
        { "NUL",                       "a\0b",                        false },
        { "tab",                       "a\tb",                        false },
        { "U+001F",                    "a\u001Fb",                    false },
        { "DEL",                       "a\u007Fb",                    false },
        { "U+0085 (C1)",               "a\u0085b",                    false },
        { "U+009F (C1)",               "a\u009Fb",                    false },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Names_follow_the_rules(string title, string name, bool valid)
    {
        Assert.False(string.IsNullOrEmpty(title));
        Assert.Equal(valid, FileManifest.IsValidName(name));
        if (valid)
        {
            var manifest = new FileManifest(name, "", 0, new byte[32]);
            Assert.True(FileManifest.TryDecode(manifest.Encode(), out FileManifest? decoded));
            Assert.Equal(name, decoded!.Name);
        }
        else
        {
            Assert.Throws<ArgumentException>(() => new FileManifest(name, "", 0, new byte[32]));
        }
    }

    [Fact]
    public void Names_with_unpaired_surrogates_are_refused()
    {
        // Not theory data: a lone surrogate does not survive the test runner's serialization of it.
        foreach (string name in (string[])["a\uD800b", "a\uDC00", "a\uD83D", "\uDE00\uD83D"])
        {
            Assert.False(FileManifest.IsValidName(name));
            Assert.Throws<ArgumentException>(() => new FileManifest(name, "", 0, new byte[32]));
        }
        Assert.True(FileManifest.IsValidName("\uD83D\uDE00"));
    }

    [Fact]
    public void Names_and_media_types_have_length_limits()
    {
        Assert.True(FileManifest.IsValidName(new string('a', 1024)));
        Assert.False(FileManifest.IsValidName(new string('a', 1025)));
        Assert.True(FileManifest.IsValidName(new string('é', 512)));       // 2 bytes each
        Assert.False(FileManifest.IsValidName(new string('é', 513)));
        Assert.True(FileManifest.IsValidName(string.Concat(Enumerable.Repeat("📄", 256))));   // 4 bytes each
        Assert.False(FileManifest.IsValidName(string.Concat(Enumerable.Repeat("📄", 257))));
        Assert.True(FileManifest.IsValidMediaType(new string('t', 255)));
        Assert.False(FileManifest.IsValidMediaType(new string('t', 256)));
        Assert.True(FileManifest.IsValidMediaType(""));
        Assert.True(FileManifest.IsValidMediaType(" ~"));
        Assert.False(FileManifest.IsValidMediaType("a\tb"));
        Assert.False(FileManifest.IsValidMediaType("é"));
        Assert.False(FileManifest.IsValidMediaType(null));

        var longest = new FileManifest(new string('a', 1024), new string('t', 255), 0, new byte[32]);
        Assert.Equal(FileHeader.MaxManifestLength, longest.EncodedLength);
        Assert.Equal(1324, longest.Encode().Length);
        Assert.Equal(FileHeader.MinManifestLength, new FileManifest("a", "", 0, new byte[32]).Encode().Length);
        Assert.Throws<ArgumentException>(() => new FileManifest("a", "", -1, new byte[32]));
        Assert.Throws<ArgumentException>(() => new FileManifest("a", "", FileHeader.MaxSize + 1, new byte[32]));
        Assert.Throws<ArgumentException>(() => new FileManifest("a", "", 0, new byte[31]));
    }

    [Fact]
    public void The_header_writes_and_reads_back()
    {
        var header = new FileHeader(1000, 0x0102030405060708, 60, 2500);
        byte[] bytes = new byte[FileHeader.Length];
        header.Write(bytes);

        Assert.Equal("434E434601010000000003E80102030405060708000000" + "3C00000000000009C4", Convert.ToHexString(bytes));
        Assert.True(FileHeader.TryRead(bytes, out FileHeader read));
        Assert.Equal(header, read);
        Assert.Equal(3, read.ChunkCount);
        Assert.Equal(1000, read.ChunkLength(1));
        Assert.Equal(500, read.ChunkLength(2));
        Assert.Equal(32 + 60 + 16 + 2500 + 3 * 16, read.EncryptedLength);
        Assert.False(FileHeader.TryRead(bytes.AsSpan(0, 31), out _));
    }

    [Theory]
    [InlineData(64, 46, 0, true)]
    [InlineData(64 * 1024 * 1024, 1324, (1L << 53) - 1, true)]
    [InlineData(63, 46, 0, false)]
    [InlineData(64 * 1024 * 1024 + 1, 46, 0, false)]
    [InlineData(64, 45, 0, false)]
    [InlineData(64, 1325, 0, false)]
    [InlineData(64, 46, 1L << 53, false)]
    [InlineData(64, 46, 64L * uint.MaxValue, true)]
    [InlineData(64, 46, 64L * uint.MaxValue + 1, false)]
    public void Header_fields_have_ranges(int chunkSize, int manifestLength, long size, bool valid)
    {
        var header = new FileHeader(chunkSize, 7, manifestLength, size);
        Assert.Equal(valid, header.IsValid);
        byte[] bytes = new byte[FileHeader.Length];
        "CNCF\x01\x01\0\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (uint)chunkSize);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), (uint)manifestLength);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(24), (ulong)size);
        Assert.Equal(valid, FileHeader.TryRead(bytes, out _));
        if (!valid) Assert.Throws<ArgumentException>(() => header.Write(new byte[FileHeader.Length]));
    }

    [Fact]
    public void An_empty_file_has_one_empty_chunk()
    {
        var header = new FileHeader(64, 0, 46, 0);
        Assert.Equal(1, header.ChunkCount);
        Assert.Equal(0, header.ChunkLength(0));
        Assert.Equal(32 + 46 + 16 + 16, header.EncryptedLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => header.ChunkLength(1));
    }
}
