using System.Text;

namespace Conclave.FileStore.Tests;

public sealed class BlockIdsTests
{
    private static string Base64(string ascii) => Convert.ToBase64String(Encoding.ASCII.GetBytes(ascii));

    public static TheoryData<string, long, string> Known => new()
    {
        { "zero",          0,             "off000000000000000000000" },
        { "4 MiB",         4_194_304,     "off000000000000004194304" },
        { "2^53 - 1",      (1L << 53) - 1, "off000009007199254740991" },
        { "long.MaxValue", long.MaxValue, "off009223372036854775807" },
    };

    [Theory]
    [MemberData(nameof(Known))]
    public void ForOffsetIsBase64OfAFixedLengthAsciiString(string label, long offset, string ascii)
    {
        _ = label;
        string id = BlockIds.ForOffset(offset);

        Assert.Equal(Base64(ascii), id);
        Assert.Equal(BlockIds.Length, id.Length);
        Assert.Equal(BlockIds.DecodedLength, Convert.FromBase64String(id).Length);
        Assert.True(BlockIds.DecodedLength <= 64); // Azure: at most 64 bytes before encoding
        Assert.True(BlockIds.IsValid(id));
        Assert.True(BlockIds.TryGetOffset(id, out long back));
        Assert.Equal(offset, back);
    }

    [Fact]
    public void IdsHaveOneLengthAndOnlyLettersAndDigits()
    {
        var random = new Random(42);
        for (int i = 0; i < 10_000; i++)
        {
            long offset = i < 64 ? long.MaxValue >> (63 - i) : random.NextInt64(0, long.MaxValue); // 0, 1, 3, 7 … long.MaxValue, then random
            string id = BlockIds.ForOffset(offset);
            Assert.Equal(BlockIds.Length, id.Length);
            Assert.True(id.All(char.IsAsciiLetterOrDigit), id); // no '+', '/' or '=': safe in URLs and logs
            Assert.True(BlockIds.TryGetOffset(id, out long back));
            Assert.Equal(offset, back);
        }
    }

    [Fact]
    public void DifferentOffsetsGiveDifferentIds()
    {
        Assert.NotEqual(BlockIds.ForOffset(1), BlockIds.ForOffset(10));
        Assert.Equal(BlockIds.ForOffset(77), BlockIds.ForOffset(77));
    }

    [Fact]
    public void ForOffsetRejectsANegativeOffset()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockIds.ForOffset(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockIds.ForOffset(long.MinValue));
    }

    /// <summary>Strings that are not block ids (shared with the store contract tests).</summary>
    public static TheoryData<string, string> InvalidIds => new()
    {
        { "empty", "" },
        { "too short", BlockIds.ForOffset(0)[..28] },
        { "too long", BlockIds.ForOffset(0) + "AAAA" },
        { "padding", Base64("off00000000000000000000") }, // 23 bytes: 32 characters ending in '='
        { "not base64", new string('!', 32) },
        { "white space inside", BlockIds.ForOffset(0)[..31] + " " },
        { "another prefix", Base64("blk000000000000000000000") },
        { "upper-case prefix", Base64("OFF000000000000000000000") },
        { "a letter among the digits", Base64("off00000000000000000000a") },
        { "a sign among the digits", Base64("off-00000000000000000001") },
        { "past long.MaxValue", Base64("off009223372036854775808") },
        { "21 nines", Base64("off999999999999999999999") },
        { "a path", "../../../../etc/passwd/000000000" },
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void IsValidRejects(string label, string id)
    {
        _ = label;
        Assert.False(BlockIds.IsValid(id));
        Assert.False(BlockIds.TryGetOffset(id, out long offset));
        Assert.Equal(0, offset);
    }

    [Fact]
    public void IsValidRejectsNull() => Assert.False(BlockIds.IsValid(null));

    [Fact]
    public void ParsingRandomStringsNeverThrows()
    {
        var random = new Random(7);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= ";
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (int j = 0; j < chars.Length; j++) chars[j] = alphabet[random.Next(alphabet.Length)];
            string s = new(chars);
            if (BlockIds.TryGetOffset(s, out long offset)) Assert.Equal(s, BlockIds.ForOffset(offset));
        }
    }
}
