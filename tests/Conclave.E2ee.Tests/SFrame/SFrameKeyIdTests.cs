using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>Conclave's KID layout, kid = (senderIndex &lt;&lt; 8) | epoch (RFC 9605 §5.2 with E = 8, context 0).</summary>
public sealed class SFrameKeyIdTests
{
    public static TheoryData<string, ulong, ulong, ulong> Layouts => new()
    {
        { "sender 0, epoch 0",                0, 0, 0x0000 },
        { "sender 1, epoch 0x23 (the App. C.3 KID 0x123)", 1, 0x23, 0x0123 },
        { "sender 3, epoch 14",               3, 14, 0x030E },
        { "epoch 300 keeps its low byte",     7, 300, 0x072C },
        { "largest sender, epoch 255",        SFrameKeyId.MaxSenderIndex, 255, ulong.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Kid_layout_round_trips(string name, ulong sender, ulong epoch, ulong kid)
    {
        Assert.False(string.IsNullOrEmpty(name));
        SFrameKeyId id = SFrameKeyId.Create(sender, epoch);

        Assert.Equal(kid, id.Value);
        Assert.Equal(sender, id.SenderIndex);
        Assert.Equal((byte)epoch, id.Epoch);
        Assert.Equal(id, new SFrameKeyId(kid));
    }

    [Fact]
    public void Every_kid_decodes_to_a_sender_and_epoch_that_encode_it_again()
    {
        var random = new Random(0x1D);
        for (int i = 0; i < 10_000; i++)
        {
            var id = new SFrameKeyId((ulong)random.NextInt64() ^ (ulong)random.Next() << 40);
            Assert.Equal(id, SFrameKeyId.Create(id.SenderIndex, id.Epoch));
        }
    }

    [Fact]
    public void A_sender_index_beyond_56_bits_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SFrameKeyId.Create(SFrameKeyId.MaxSenderIndex + 1, 0));

    [Fact]
    public void Next_epoch_wraps_within_the_same_sender()
    {
        SFrameKeyId id = SFrameKeyId.Create(42, 254);

        id = id.NextEpoch();
        Assert.Equal((42UL, (byte)255), (id.SenderIndex, id.Epoch));
        id = id.NextEpoch();
        Assert.Equal((42UL, (byte)0), (id.SenderIndex, id.Epoch));
        Assert.Equal(SFrameKeyId.Create(SFrameKeyId.MaxSenderIndex, 0), SFrameKeyId.Create(SFrameKeyId.MaxSenderIndex, 255).NextEpoch());
    }

    [Theory]
    [InlineData(0UL, 1)]                                            // sender 0, epochs 0-7: KID in the config byte
    [InlineData(1UL, 3)]                                            // senders up to 255: 2 KID bytes
    [InlineData(255UL, 3)]
    [InlineData(256UL, 4)]
    public void Small_sender_indexes_keep_the_header_short(ulong sender, int headerLength) =>
        Assert.Equal(headerLength, SFrameHeader.GetLength(SFrameKeyId.Create(sender, sender == 0 ? 5UL : 200UL).Value, 0));
}
