using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>RFC 9605 App. C.1 "Header Encoding/Decoding": every vector is written, read, and round-trips.</summary>
public sealed class Rfc9605HeaderVectorTests
{
    public static TheoryData<string, ulong, ulong, string> Headers => SFrameVectors.Headers();

    [Fact]
    public void The_vector_file_holds_all_289_header_vectors() => Assert.Equal(289, SFrameVectors.Count("header"));

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_encodes_to_the_vector(string name, ulong kid, ulong ctr, string encoded)
    {
        Assert.False(string.IsNullOrEmpty(name));
        var header = new SFrameHeader(kid, ctr);
        byte[] buffer = new byte[SFrameHeader.MaxLength];

        Assert.True(header.TryWrite(buffer, out int written));

        Assert.Equal(encoded, Convert.ToHexStringLower(buffer, 0, written));
        Assert.Equal(written, header.GetWrittenLength());
        Assert.Equal(written, SFrameHeader.GetLength(kid, ctr));
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Header_decodes_from_the_vector_and_round_trips(string name, ulong kid, ulong ctr, string encoded)
    {
        Assert.False(string.IsNullOrEmpty(name));
        byte[] wire = Convert.FromHexString(encoded);
        byte[] withPayload = [.. wire, 0xDE, 0xAD];                  // the ciphertext that follows is not header

        Assert.Equal(SFrameHeaderStatus.Ok, SFrameHeader.TryRead(withPayload, out SFrameHeader header, out int length));

        Assert.Equal((kid, ctr, wire.Length), (header.KeyId, header.Counter, length));
        byte[] again = new byte[SFrameHeader.MaxLength];
        Assert.True(header.TryWrite(again, out int written));
        Assert.Equal(wire, again.AsSpan(0, written).ToArray());
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_truncation_of_a_vector_header_is_too_short(string name, ulong kid, ulong ctr, string encoded)
    {
        Assert.False(string.IsNullOrEmpty(name));
        byte[] wire = Convert.FromHexString(encoded);
        Assert.Equal(SFrameHeader.GetLength(kid, ctr), wire.Length);
        for (int cut = 0; cut < wire.Length; cut++)
            Assert.Equal(SFrameHeaderStatus.TooShort, SFrameHeader.TryRead(wire.AsSpan(0, cut), out _, out _));
    }
}
