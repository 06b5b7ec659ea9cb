using System.Security.Cryptography;
using Conclave.MediaServer.Files;

namespace Conclave.MediaServer.Tests.Files;

/// <summary>The tus header parsers: what they accept, and that hostile values are refused without throwing.</summary>
public sealed class TusProtocolTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void A_length_is_plain_digits(string text, long expected)
    {
        Assert.True(TusProtocol.TryParseLength(text, out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1.0")]
    [InlineData("0x10")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999")]
    [InlineData("١٢")]                                                  // Arabic-Indic digits are digits to char.IsDigit, not to tus
    public void Anything_else_is_not_a_length(string? text) => Assert.False(TusProtocol.TryParseLength(text, out _));

    [Fact]
    public void Metadata_is_comma_separated_keys_with_optional_base64_values()
    {
        Dictionary<string, string>? pairs = TusProtocol.TryParseMetadata("id aGVsbG8=, flag ,empty ");
        Assert.NotNull(pairs);
        Assert.Equal("hello", pairs["id"]);
        Assert.Equal("", pairs["flag"]);
        Assert.Equal("", pairs["empty"]);
        Assert.Empty(TusProtocol.TryParseMetadata(null)!);
        Assert.Empty(TusProtocol.TryParseMetadata("  ")!);
    }

    [Theory]
    [InlineData("id not-base64!")]
    [InlineData("id aGVsbG8= extra")]
    [InlineData("id aGVsbG8=,id aGVsbG8=")]                            // keys are unique
    [InlineData(", id aGVsbG8=")]
    [InlineData("k\u0001ey aGVsbG8=")]
    [InlineData("ké aGVsbG8=")]
    public void Malformed_metadata_is_refused(string header) => Assert.Null(TusProtocol.TryParseMetadata(header));

    [Fact]
    public void Metadata_longer_than_4_KiB_is_refused() => Assert.Null(TusProtocol.TryParseMetadata("id " + new string('A', 5000)));

    [Fact]
    public void Random_headers_never_throw()
    {
        var random = new Random(6);
        const string Alphabet = "aZ09+/= ,\t\u0000é-_";
        for (int i = 0; i < 20_000; i++)
        {
            string text = new([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);
            TusProtocol.TryParseMetadata(text);
            TusProtocol.TryParseChecksum(text, out _, out _);
            TusProtocol.TryParseLength(text, out _);
        }
    }

    [Theory]
    [InlineData("sha1", 20)]
    [InlineData("md5", 16)]
    [InlineData("sha256", 32)]
    public void A_checksum_names_a_served_algorithm_and_a_digest_of_its_length(string algorithm, int length)
    {
        string digest = Convert.ToBase64String(RandomNumberGenerator.GetBytes(length));
        Assert.True(TusProtocol.TryParseChecksum($"{algorithm} {digest}", out HashAlgorithmName name, out byte[] bytes));
        Assert.Equal(length, bytes.Length);
        Assert.Equal(algorithm, name.Name!.ToLowerInvariant().Replace("sha", "sha", StringComparison.Ordinal));
        Assert.False(TusProtocol.TryParseChecksum($"{algorithm} {Convert.ToBase64String(new byte[length + 1])}", out _, out _));
    }

    [Theory]
    [InlineData("crc32 AAAAAA==")]
    [InlineData("SHA1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("sha1")]
    [InlineData("sha1 !!!")]
    [InlineData("sha1 AAAA AAAA")]
    public void Other_checksums_are_refused(string header) => Assert.False(TusProtocol.TryParseChecksum(header, out _, out _));

    [Fact]
    public void Expiry_is_an_http_date() =>
        Assert.Equal("Fri, 27 Nov 2026 06:00:00 GMT", TusProtocol.FormatExpires(new DateTimeOffset(2026, 11, 27, 7, 0, 0, TimeSpan.FromHours(1))));
}
