using Conclave.Media.Transport.Rtcp;
using static Conclave.Media.Transport.Tests.Rtcp.RtcpVectors;

namespace Conclave.Media.Transport.Tests.Rtcp;

public class RtcpSdesByeTests
{
    [Fact]
    public void Sdes_cname_rfc3550_6_5_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, SdesPacket.TryRead(SdesVector, out var sdes));
        Assert.Equal(1, sdes.ChunkCount);
        int chunks = 0;
        foreach (var chunk in sdes.GetChunks())
        {
            chunks++;
            Assert.Equal(0x12345678u, chunk.Source);
            Assert.True(chunk.TryFindItem(SdesItemType.CName, out var cname));
            Assert.True(cname.SequenceEqual("ABCDEFGHIJKLMNOP"u8));
            Assert.False(chunk.TryFindItem(SdesItemType.Note, out _));
        }
        Assert.Equal(1, chunks);

        SdesItemContent[] items = [new(SdesItemType.CName, "ABCDEFGHIJKLMNOP"u8.ToArray())];
        SdesChunkContent[] content = [new(0x12345678, items)];
        RtcpReportTests.AssertWrites(new SdesWriter { Chunks = content }, SdesVector);
    }

    [Fact]
    public void Sdes_two_chunks_with_several_items_round_trip()
    {
        Assert.Equal(RtcpParseStatus.Ok, SdesPacket.TryRead(SdesTwoChunksVector, out var sdes));
        var chunks = sdes.GetChunks();
        Assert.True(chunks.MoveNext());
        Assert.Equal(0x11111111u, chunks.Current.Source);
        Assert.True(chunks.MoveNext());
        var second = chunks.Current;
        Assert.Equal(0x22222222u, second.Source);
        var items = second.GetItems();
        Assert.True(items.MoveNext());
        Assert.Equal(SdesItemType.CName, items.Current.Type);
        Assert.True(items.Current.Value.SequenceEqual("x"u8));
        Assert.True(items.MoveNext());
        Assert.Equal(SdesItemType.Note, items.Current.Type);
        Assert.True(items.Current.Value.SequenceEqual("hi"u8));
        Assert.False(items.MoveNext());
        Assert.False(chunks.MoveNext());

        SdesChunkContent[] content =
        [
            new(0x11111111, new SdesItemContent[] { new(SdesItemType.CName, "abc"u8.ToArray()) }),
            new(0x22222222, new SdesItemContent[] { new(SdesItemType.CName, "x"u8.ToArray()), new(SdesItemType.Note, "hi"u8.ToArray()) }),
        ];
        RtcpReportTests.AssertWrites(new SdesWriter { Chunks = content }, SdesTwoChunksVector);
    }

    [Fact]
    public void Sdes_chunk_without_items_is_ssrc_plus_four_nulls()
    {
        SdesChunkContent[] content = [new(7, ReadOnlyMemory<SdesItemContent>.Empty)];
        RtcpReportTests.AssertWrites(new SdesWriter { Chunks = content }, Hex("81CA0002 00000007 00000000"));
        Assert.Equal(RtcpParseStatus.Ok, SdesPacket.TryRead(Hex("81CA0002 00000007 00000000"), out _));
    }

    [Fact]
    public void Sdes_writer_rejects_end_item_type()
    {
        SdesChunkContent[] content = [new(7, new SdesItemContent[] { new(SdesItemType.End, "a"u8.ToArray()) })];
        Assert.False(new SdesWriter { Chunks = content }.TryWrite(new byte[64], out _));
    }

    [Fact]
    public void Bye_with_reason_rfc3550_6_6_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, ByePacket.TryRead(ByeWithReasonVector, out var bye));
        Assert.Equal(1, bye.SourceCount);
        Assert.Equal(0x12345678u, bye.GetSource(0));
        Assert.True(bye.HasReason);
        Assert.True(bye.Reason.SequenceEqual("bye"u8));
        uint[] sources = [0x12345678];
        RtcpReportTests.AssertWrites(new ByeWriter { Sources = sources, Reason = "bye"u8 }, ByeWithReasonVector);
    }

    [Fact]
    public void Bye_two_sources_padded_reason_round_trips()
    {
        Assert.Equal(RtcpParseStatus.Ok, ByePacket.TryRead(ByeTwoSourcesVector, out var bye));
        Assert.Equal(2, bye.SourceCount);
        Assert.Equal(0x22222222u, bye.GetSource(1));
        Assert.True(bye.Reason.SequenceEqual("gone!"u8));
        uint[] sources = [0x11111111, 0x22222222];
        RtcpReportTests.AssertWrites(new ByeWriter { Sources = sources, Reason = "gone!"u8 }, ByeTwoSourcesVector);
    }

    [Fact]
    public void Bye_without_reason_round_trips()
    {
        byte[] packet = Hex("81CB0001 12345678");
        Assert.Equal(RtcpParseStatus.Ok, ByePacket.TryRead(packet, out var bye));
        Assert.False(bye.HasReason);
        Assert.True(bye.Reason.IsEmpty);
        uint[] sources = [0x12345678];
        RtcpReportTests.AssertWrites(new ByeWriter { Sources = sources }, packet);
    }
}
