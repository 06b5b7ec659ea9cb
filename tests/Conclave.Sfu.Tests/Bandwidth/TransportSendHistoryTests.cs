using Conclave.Sfu.Bandwidth;
using FeedbackState = Conclave.Sfu.Bandwidth.TransportSendHistory.FeedbackState;

namespace Conclave.Sfu.Tests.Bandwidth;

public class TransportSendHistoryTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void Sequence_numbers_are_consecutive_from_one()
    {
        var history = new TransportSendHistory();
        for (int expected = 1; expected <= 100; expected++)
            Assert.Equal((ushort)expected, history.Add(1200, _clock.At(expected)));
    }

    [Fact]
    public void Sequence_numbers_wrap_from_65535_to_0()
    {
        // draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: a 16-bit counter, incremented per packet.
        var history = new TransportSendHistory();
        ushort last = 0;
        for (int i = 0; i < 65_535; i++) last = history.Add(100, _clock.At(i));
        Assert.Equal(65_535, last);
        Assert.Equal(0, history.Add(100, _clock.At(65_535)));
        Assert.Equal(1, history.Add(100, _clock.At(65_536)));
        Assert.Equal(2, history.Add(100, _clock.At(65_537)));
    }

    [Fact]
    public void Lookup_returns_what_was_recorded()
    {
        var history = new TransportSendHistory();
        ushort a = history.Add(1200, _clock.At(10));
        ushort b = history.Add(300, _clock.At(12.5));
        ushort c = history.Add(1, _clock.At(40));

        Assert.True(history.TryGet(a, out long sentAt, out int bytes, out FeedbackState state));
        Assert.Equal((_clock.At(10), 1200, FeedbackState.Unreported), (sentAt, bytes, state));
        Assert.True(history.TryGet(b, out sentAt, out bytes, out state));
        Assert.Equal((_clock.At(12.5), 300, FeedbackState.Unreported), (sentAt, bytes, state));
        Assert.True(history.TryGet(c, out sentAt, out bytes, out state));
        Assert.Equal((_clock.At(40), 1, FeedbackState.Unreported), (sentAt, bytes, state));
    }

    [Fact]
    public void Records_survive_wrapping_of_the_sequence_number()
    {
        var history = new TransportSendHistory();
        for (int i = 0; i < 65_534; i++) history.Add(100, _clock.At(i));     // 1 … 65534
        ushort beforeWrap = history.Add(700, _clock.At(70_000));              // 65535
        ushort zero = history.Add(800, _clock.At(70_001));
        ushort one = history.Add(900, _clock.At(70_002));

        Assert.True(history.TryGet(beforeWrap, out long sentAt, out int bytes, out _));
        Assert.Equal((_clock.At(70_000), 700), (sentAt, bytes));
        Assert.True(history.TryGet(zero, out sentAt, out bytes, out _));
        Assert.Equal((_clock.At(70_001), 800), (sentAt, bytes));
        Assert.True(history.TryGet(one, out sentAt, out bytes, out _));        // the new 1, not the first packet
        Assert.Equal((_clock.At(70_002), 900), (sentAt, bytes));
    }

    [Fact]
    public void Slot_overwritten_after_capacity_more_sends_no_longer_finds_the_old_number()
    {
        var history = new TransportSendHistory();
        ushort first = history.Add(111, _clock.At(0));                       // 1
        ushort second = history.Add(222, _clock.At(1));                      // 2
        for (int i = 2; i < TransportSendHistory.Capacity; i++) history.Add(100, _clock.At(i));
        // Capacity sends so far: the ring is full and still holds the first.
        Assert.True(history.TryGet(first, out _, out int bytes, out _));
        Assert.Equal(111, bytes);

        ushort reuser = history.Add(333, _clock.At(10_000));                 // Capacity + 1: takes the first's slot
        Assert.Equal(first + TransportSendHistory.Capacity, reuser);
        Assert.False(history.TryGet(first, out long sentAt, out bytes, out FeedbackState state));
        Assert.Equal((0L, 0, FeedbackState.Unreported), (sentAt, bytes, state));
        Assert.True(history.TryGet(reuser, out sentAt, out bytes, out _));
        Assert.Equal((_clock.At(10_000), 333), (sentAt, bytes));
        Assert.True(history.TryGet(second, out _, out bytes, out _));         // its slot is not reused yet
        Assert.Equal(222, bytes);
    }

    [Fact]
    public void Unknown_numbers_are_not_found()
    {
        var history = new TransportSendHistory();
        Assert.False(history.TryGet(0, out _, out _, out _));                // empty ring, slot 0 never used
        Assert.False(history.TryGet(1, out _, out _, out _));

        history.Add(100, _clock.At(0));                                      // 1
        history.Add(100, _clock.At(1));                                      // 2
        history.Add(100, _clock.At(2));                                      // 3
        Assert.False(history.TryGet(0, out _, out _, out _));
        Assert.False(history.TryGet(4, out _, out _, out _));                // not sent yet
        // Same slot as 1, 2 and 3, different number: feedback about a packet the ring does not hold.
        Assert.False(history.TryGet(1 + TransportSendHistory.Capacity, out _, out _, out _));
        Assert.False(history.TryGet(2 + 2 * TransportSendHistory.Capacity, out _, out _, out _));
        Assert.False(history.TryGet(unchecked((ushort)(3 - TransportSendHistory.Capacity)), out _, out _, out _));
    }

    [Fact]
    public void Feedback_state_is_remembered_per_packet()
    {
        var history = new TransportSendHistory();
        ushort a = history.Add(100, _clock.At(0));
        ushort b = history.Add(100, _clock.At(1));
        ushort c = history.Add(100, _clock.At(2));

        history.SetState(a, FeedbackState.Received);
        history.SetState(b, FeedbackState.ReportedLost);
        Assert.Equal(FeedbackState.Received, StateOf(history, a));
        Assert.Equal(FeedbackState.ReportedLost, StateOf(history, b));
        Assert.Equal(FeedbackState.Unreported, StateOf(history, c));

        // transport-cc §3.1: a packet reported lost may be reported received by a later feedback.
        history.SetState(b, FeedbackState.Received);
        Assert.Equal(FeedbackState.Received, StateOf(history, b));
    }

    [Fact]
    public void Feedback_state_for_a_number_not_in_the_ring_is_ignored()
    {
        var history = new TransportSendHistory();
        ushort a = history.Add(100, _clock.At(0));                           // 1
        history.SetState(a, FeedbackState.Received);

        history.SetState((ushort)(a + TransportSendHistory.Capacity), FeedbackState.ReportedLost);   // same slot
        Assert.Equal(FeedbackState.Received, StateOf(history, a));

        history.SetState(5, FeedbackState.Received);                         // slot never used
        Assert.False(history.TryGet(5, out _, out _, out _));
        Assert.Equal(FeedbackState.Unreported, StateOf(history, history.Add(100, _clock.At(1))));    // 2
    }

    [Fact]
    public void Reused_slot_starts_unreported()
    {
        var history = new TransportSendHistory();
        ushort first = history.Add(100, _clock.At(0));
        history.SetState(first, FeedbackState.Received);
        for (int i = 1; i < TransportSendHistory.Capacity; i++) history.Add(100, _clock.At(i));
        ushort reuser = history.Add(100, _clock.At(10_000));
        Assert.Equal(FeedbackState.Unreported, StateOf(history, reuser));
    }

    private static FeedbackState StateOf(TransportSendHistory history, ushort sequence)
    {
        Assert.True(history.TryGet(sequence, out _, out _, out FeedbackState state));
        return state;
    }
}
