using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>RFC 9605 §4.3 header edge cases beyond App. C.1: malformed forms, length boundaries, fuzzing.</summary>
public sealed class SFrameHeaderTests
{
    public static TheoryData<string, string, SFrameHeaderStatus> Malformed => new()
    {
        { "empty",                                   "",                                   SFrameHeaderStatus.TooShort },
        { "1-byte KID announced, none present",      "80",                                 SFrameHeaderStatus.TooShort },
        { "8-byte KID announced, 7 present",         "F000000000000001",                   SFrameHeaderStatus.TooShort },
        { "1-byte CTR announced, none present",      "08",                                 SFrameHeaderStatus.TooShort },
        { "KID present, CTR cut",                    "89FF01",                             SFrameHeaderStatus.TooShort },
        { "8+8 bytes announced, 15 present",         "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",   SFrameHeaderStatus.TooShort },
        { "KID 5 in a KID byte (§4.3: 0-7 inline)",  "8005",                               SFrameHeaderStatus.NotMinimal },
        { "KID 0 in a KID byte",                     "8000",                               SFrameHeaderStatus.NotMinimal },
        { "CTR 7 in a CTR byte",                     "0807",                               SFrameHeaderStatus.NotMinimal },
        { "KID 0xFF in two bytes",                   "9000FF",                             SFrameHeaderStatus.NotMinimal },
        { "CTR 0x0100 in three bytes",               "0A000100",                           SFrameHeaderStatus.NotMinimal },
        { "KID 8 in eight bytes",                    "F00000000000000008",                 SFrameHeaderStatus.NotMinimal },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_headers_give_a_status(string name, string hex, SFrameHeaderStatus expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, SFrameHeader.TryRead(Convert.FromHexString(hex), out SFrameHeader header, out int length));
        Assert.Equal((default(SFrameHeader), 0), (header, length));
    }

    public static TheoryData<string, ulong, ulong, int> Lengths => new()
    {
        { "both inline",                 7, 7, 1 },
        { "KID 8 takes a byte",          8, 0, 2 },
        { "CTR 8 takes a byte",          0, 8, 2 },
        { "0xFF is one byte",            0xFF, 0xFF, 3 },
        { "0x100 is two bytes",          0x100, 0x100, 5 },
        { "2^56-1 is seven bytes",       (1UL << 56) - 1, 0, 8 },
        { "2^56 is eight bytes",         1UL << 56, 0, 9 },
        { "both 2^64-1",                 ulong.MaxValue, ulong.MaxValue, SFrameHeader.MaxLength },
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Fields_take_their_minimal_length(string name, ulong kid, ulong ctr, int expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var header = new SFrameHeader(kid, ctr);
        byte[] buffer = new byte[SFrameHeader.MaxLength];

        Assert.True(header.TryWrite(buffer, out int written));
        Assert.Equal(expected, written);
        Assert.Equal(SFrameHeaderStatus.Ok, SFrameHeader.TryRead(buffer.AsSpan(0, written), out SFrameHeader read, out int length));
        Assert.Equal((header, written), (read, length));
    }

    [Fact]
    public void Writing_into_a_short_buffer_writes_nothing()
    {
        var header = new SFrameHeader(0x1234, 0x56);
        byte[] buffer = new byte[header.GetWrittenLength() - 1];

        Assert.False(header.TryWrite(buffer, out int written));

        Assert.Equal(0, written);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Every_config_byte_reads_or_fails_without_throwing()
    {
        byte[] input = new byte[SFrameHeader.MaxLength];
        for (int config = 0; config < 256; config++)
        {
            input[0] = (byte)config;
            for (int length = 0; length <= input.Length; length++)
            {
                SFrameHeaderStatus status = SFrameHeader.TryRead(input.AsSpan(0, length), out _, out int read);
                Assert.True(status == SFrameHeaderStatus.Ok ? read >= 1 && read <= length : read == 0);
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw_and_what_reads_round_trips()
    {
        var random = new Random(0x5F4A);
        byte[] input = new byte[24], again = new byte[SFrameHeader.MaxLength];
        int ok = 0;
        for (int i = 0; i < 200_000; i++)
        {
            int length = random.Next(input.Length + 1);
            random.NextBytes(input.AsSpan(0, length));
            if (random.Next(4) == 0 && length > 1) input[1] = 0;             // leading zero bytes: not minimal
            if (SFrameHeader.TryRead(input.AsSpan(0, length), out SFrameHeader header, out int read) != SFrameHeaderStatus.Ok) continue;
            ok++;
            Assert.True(header.TryWrite(again, out int written));
            Assert.Equal(input.AsSpan(0, read).ToArray(), again.AsSpan(0, written).ToArray());
        }
        Assert.True(ok > 10_000);
    }

    [Fact]
    public void Random_values_round_trip()
    {
        var random = new Random(0x5F4B);
        byte[] buffer = new byte[SFrameHeader.MaxLength];
        for (int i = 0; i < 100_000; i++)
        {
            // Random widths, so every length 0-8 of both fields is exercised.
            ulong kid = (ulong)random.NextInt64() >> random.Next(64), ctr = (ulong)random.NextInt64() << 1 >> random.Next(64);
            var header = new SFrameHeader(kid, ctr);
            Assert.True(header.TryWrite(buffer, out int written));
            Assert.Equal(SFrameHeaderStatus.Ok, SFrameHeader.TryRead(buffer.AsSpan(0, written), out SFrameHeader read, out int length));
            Assert.Equal((header, written), (read, length));
        }
    }
}
