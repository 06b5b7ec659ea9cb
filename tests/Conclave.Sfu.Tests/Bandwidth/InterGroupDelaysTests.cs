using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class InterGroupDelaysTests
{
    private static bool Add(InterGroupDelays groups, double sentMs, double arrivalMs)
        => groups.TryAdd(sentMs, arrivalMs, out _, out _, out _);

    private static void AssertCloses(InterGroupDelays groups, double sentMs, double arrivalMs,
        double sendDelta, double arrivalDelta, double groupArrivalMs)
    {
        Assert.True(groups.TryAdd(sentMs, arrivalMs, out double send, out double arrival, out double groupArrival));
        Assert.Equal((sendDelta, arrivalDelta, groupArrivalMs), (send, arrival, groupArrival));
    }

    [Fact]
    public void Packets_sent_within_burst_time_of_the_first_form_one_group()
    {
        // draft-ietf-rmcat-gcc-02 §5.2: packets sent within burst_time (5 ms) of the group's first are one group.
        var groups = new InterGroupDelays();
        Assert.False(Add(groups, 0, 100));
        Assert.False(Add(groups, 2, 102));
        Assert.False(Add(groups, 5, 105));                               // exactly burst_time after the first
        Assert.False(Add(groups, 20, 120));                              // closes {0, 2, 5}: no predecessor
        Assert.False(Add(groups, 23, 123));
        Assert.False(Add(groups, 25, 125));
        AssertCloses(groups, 40, 140, sendDelta: 25 - 5, arrivalDelta: 125 - 105, groupArrivalMs: 125);
    }

    [Fact]
    public void Packet_sent_after_burst_time_starts_a_new_group()
    {
        var groups = new InterGroupDelays();
        Assert.False(Add(groups, 0, 100));
        Assert.False(Add(groups, 5.5, 106));                             // closes {0}: no predecessor
        AssertCloses(groups, 20, 120, sendDelta: 5.5, arrivalDelta: 6, groupArrivalMs: 106);
    }

    [Fact]
    public void First_closed_group_has_no_predecessor()
    {
        var groups = new InterGroupDelays();
        Assert.False(groups.TryAdd(0, 100, out double send, out double arrival, out double groupArrival));
        Assert.False(groups.TryAdd(20, 120, out send, out arrival, out groupArrival));   // closes the first group
        Assert.Equal((0.0, 0.0, 0.0), (send, arrival, groupArrival));
        AssertCloses(groups, 40, 140, 20, 20, 120);                      // closes the second: the first sample
    }

    [Fact]
    public void Deltas_are_taken_between_the_last_packets_of_consecutive_groups()
    {
        // §5.3: t(i) − t(i−1) and T(i) − T(i−1) of the groups' last packets, not their first.
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 3, 110);
        Add(groups, 30, 131);
        Assert.False(Add(groups, 34, 145));
        AssertCloses(groups, 60, 170, sendDelta: 34 - 3, arrivalDelta: 145 - 110, groupArrivalMs: 145);
        Add(groups, 62, 190);
        AssertCloses(groups, 100, 200, sendDelta: 62 - 34, arrivalDelta: 190 - 145, groupArrivalMs: 190);
    }

    [Fact]
    public void Group_ends_at_its_latest_send_and_latest_arrival()
    {
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 20, 125);
        Add(groups, 23, 121);                                            // sent later, arrived earlier
        Add(groups, 22, 122);                                            // within the group, listed out of order
        AssertCloses(groups, 40, 140, sendDelta: 23 - 0, arrivalDelta: 125 - 100, groupArrivalMs: 125);
    }

    [Fact]
    public void Packet_sent_before_the_current_group_is_ignored()
    {
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 20, 120);
        Assert.False(Add(groups, 3, 200));                               // reordered: belongs to the closed group
        Assert.False(Add(groups, 15, 300));                              // sent between the two groups
        AssertCloses(groups, 40, 140, sendDelta: 20, arrivalDelta: 20, groupArrivalMs: 120);
        Assert.False(Add(groups, 39.9, 500));                            // just before the new group's first
        AssertCloses(groups, 60, 160, sendDelta: 20, arrivalDelta: 20, groupArrivalMs: 140);
    }

    [Fact]
    public void Packet_arriving_in_a_burst_joins_the_group_though_sent_later()
    {
        // libwebrtc's arrival-time grouping: arriving < 5 ms after the group's last and faster than it was sent
        // (a held-up burst released), the packet belongs to the group however late it was sent.
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Assert.False(Add(groups, 20, 130));                              // closes {0}
        Assert.False(Add(groups, 30, 132));                              // sent 10 ms later, arrived 2 ms later
        Assert.False(Add(groups, 40, 134));
        AssertCloses(groups, 60, 160, sendDelta: 40 - 0, arrivalDelta: 134 - 100, groupArrivalMs: 134);
    }

    [Fact]
    public void Packet_arriving_burst_time_after_the_last_starts_a_new_group()
    {
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 20, 130);
        AssertCloses(groups, 30, 135, sendDelta: 20, arrivalDelta: 30, groupArrivalMs: 130);   // arrival delta = 5
    }

    [Fact]
    public void Packet_arriving_no_faster_than_it_was_sent_starts_a_new_group()
    {
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 20, 130);
        Add(groups, 25, 131);
        // Sent 3 ms after the group's last, arrived 3 ms after it: no burst, and sent 8 ms after the first.
        AssertCloses(groups, 28, 134, sendDelta: 25, arrivalDelta: 31, groupArrivalMs: 131);
    }

    [Fact]
    public void Arrival_burst_joins_for_at_most_100_ms_of_the_groups_first_arrival()
    {
        var groups = new InterGroupDelays();
        Add(groups, 0, 100);
        Add(groups, 20, 130);                                            // the group's first arrival: 130
        for (int k = 1; k <= 24; k++)                                    // sent 10 ms apart, arriving 4 ms apart
            Assert.False(Add(groups, 20 + 10 * k, 130 + 4 * k));         // the last at 226: 96 ms into the group
        // 230 is 100 ms after the group's first arrival: kMaxBurstDuration ends the group.
        AssertCloses(groups, 270, 230, sendDelta: 260 - 0, arrivalDelta: 226 - 100, groupArrivalMs: 226);
    }
}
