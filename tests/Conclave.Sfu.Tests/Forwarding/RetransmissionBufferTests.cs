using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

public sealed class RetransmissionBufferTests
{
    private const uint Source = 0x5EED5EED;

    private static RetransmissionBuffer Small(TimeSpan? maxAge = null)
        => new(Frequency, capacity: 16, slotSize: 200, maxAge ?? TimeSpan.FromSeconds(1));

    private static void Store(RetransmissionBuffer buffer, ushort seq, long at = 0)
        => Assert.Equal(RetransmissionStoreStatus.Stored, buffer.Store(Rtp(Source, seq, seq * 10u), at));

    private static bool Holds(RetransmissionBuffer buffer, ushort seq, long now = 0)
        => buffer.TryCopyTo(seq, now, new byte[buffer.SlotSize], out _);

    [Fact]
    public void Defaults_follow_the_issue()
    {
        var buffer = new RetransmissionBuffer(Frequency);
        Assert.Equal(512, buffer.Capacity);
        Assert.Equal(1500, buffer.SlotSize);
        Assert.Equal(TimeSpan.FromSeconds(1), buffer.MaxAge);
    }

    [Fact]
    public void Stored_packets_come_back_byte_for_byte()
    {
        var buffer = new RetransmissionBuffer(Frequency);
        byte[] packet = Rtp(Source, 4242, 90_000, marker: true, payloadLength: 1100, csrcCount: 2, extension: true, padding: 4);
        Assert.Equal(RetransmissionStoreStatus.Stored, buffer.Store(packet, 0));
        var destination = new byte[1500];
        Assert.True(buffer.TryCopyTo(4242, 0, destination, out int written));
        Assert.Equal(packet, destination[..written]);
        Assert.False(buffer.TryCopyTo(4243, 0, destination, out written));
        Assert.Equal(0, written);
        Assert.False(buffer.TryCopyTo(4242, 0, new byte[packet.Length - 1], out _));    // does not fit
    }

    [Fact]
    public void The_oldest_packets_are_evicted_past_capacity()
    {
        var buffer = Small();
        for (ushort seq = 100; seq < 140; seq++) Store(buffer, seq);
        for (ushort seq = 100; seq < 140; seq++) Assert.Equal(seq >= 124, Holds(buffer, seq));
    }

    [Fact]
    public void Packets_older_than_the_maximum_age_are_not_returned()
    {
        var buffer = Small(TimeSpan.FromMilliseconds(250));
        Store(buffer, 1, at: 1_000_000);
        Store(buffer, 2, at: 1_100_000);
        Assert.True(Holds(buffer, 1, now: 1_250_000));          // exactly 250 ms
        Assert.False(Holds(buffer, 1, now: 1_250_001));
        Assert.True(Holds(buffer, 2, now: 1_250_001));
        Assert.False(Holds(buffer, 2, now: 1_350_001));
    }

    [Fact]
    public void Duplicates_are_ignored_and_the_first_copy_kept()
    {
        var buffer = Small();
        byte[] first = Rtp(Source, 7, 70, payloadLength: 30);
        byte[] second = Rtp(Source, 7, 70, payloadLength: 50);
        Assert.Equal(RetransmissionStoreStatus.Stored, buffer.Store(first, 0));
        Store(buffer, 8);
        Assert.Equal(RetransmissionStoreStatus.Duplicate, buffer.Store(second, 5));
        Assert.Equal(RetransmissionStoreStatus.Duplicate, buffer.Store(Rtp(Source, 8, 80), 5));
        var destination = new byte[200];
        Assert.True(buffer.TryCopyTo(7, 0, destination, out int written));
        Assert.Equal(first, destination[..written]);
    }

    [Fact]
    public void Late_packets_fill_gaps_within_the_window_only()
    {
        var buffer = Small();
        Store(buffer, 100);
        Store(buffer, 110);
        Assert.False(Holds(buffer, 105));
        Store(buffer, 105);                                     // reordered
        Assert.True(Holds(buffer, 105));
        Assert.Equal(RetransmissionStoreStatus.TooOld, buffer.Store(Rtp(Source, 94, 0), 0));   // 16 behind: its slot is 110's
        Store(buffer, 95);                                      // 15 behind
        Assert.True(Holds(buffer, 110));
    }

    [Fact]
    public void Sequence_numbers_wrap()
    {
        var buffer = Small();
        for (int i = 0; i < 12; i++) Store(buffer, (ushort)(65_530 + i));
        for (int i = 0; i < 12; i++) Assert.True(Holds(buffer, (ushort)(65_530 + i)));
        Store(buffer, 65_526);                                  // reordered across the wrap (highest is 5)
        Assert.True(Holds(buffer, 65_526));
        Assert.Equal(RetransmissionStoreStatus.TooOld, buffer.Store(Rtp(Source, 65_525, 0), 0));
    }

    [Fact]
    public void A_packet_from_a_previous_sequence_cycle_is_not_returned()
    {
        // Seq 5 sits in its slot; the stream then jumps by large steps (never landing on that slot) through a
        // full 16-bit cycle back to 4. Slot 5 must not answer for the new 5.
        var buffer = Small();
        Store(buffer, 5);
        Store(buffer, 30_000);
        Store(buffer, 60_000);
        Store(buffer, 4);                                       // 60000 → 4 is +5540, forward
        Assert.False(Holds(buffer, 5));
        Assert.True(Holds(buffer, 4));
    }

    [Fact]
    public void A_restarted_sender_is_followed_after_two_sequential_packets()
    {
        var buffer = Small();
        Store(buffer, 1000);
        // RFC 3550 §A.1: one far-away packet is dropped, a second in sequence after it confirms the restart.
        Assert.Equal(RetransmissionStoreStatus.TooOld, buffer.Store(Rtp(Source, 10, 0), 0));
        Assert.Equal(RetransmissionStoreStatus.TooOld, buffer.Store(Rtp(Source, 50, 0), 0));   // not in sequence
        Assert.Equal(RetransmissionStoreStatus.Stored, buffer.Store(Rtp(Source, 51, 0), 0));
        Assert.True(Holds(buffer, 51));
        Assert.False(Holds(buffer, 1000));
        Store(buffer, 52);
        Store(buffer, 49);
    }

    public static TheoryData<string, byte[], RetransmissionStoreStatus> Rejected => new()
    {
        { "shorter than the fixed header", new byte[11],                                         RetransmissionStoreStatus.Malformed },
        { "version 1",                     Convert.FromHexString("4060000100000000DEADBEEF"),   RetransmissionStoreStatus.Malformed },
        { "longer than a slot",            Rtp(Source, 1, 0, payloadLength: 189),                RetransmissionStoreStatus.TooLarge },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Unstorable_packets_are_rejected(string name, byte[] packet, RetransmissionStoreStatus expected)
    {
        Assert.NotNull(name);
        var buffer = Small();
        Assert.Equal(expected, buffer.Store(packet, 0));
        Assert.Equal(RetransmissionStoreStatus.Stored, buffer.Store(Rtp(Source, 1, 0, payloadLength: 188), 0));   // 200 bytes
    }

    [Theory]
    [InlineData(8, 1500)]
    [InlineData(500, 1500)]
    [InlineData(65_536, 1500)]
    [InlineData(512, 11)]
    public void Capacity_and_slot_size_are_validated(int capacity, int slotSize)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RetransmissionBuffer(Frequency, capacity, slotSize, TimeSpan.FromSeconds(1)));
}
