namespace Conclave.Signaling.Tests;

/// <summary><see cref="SequencedDelivery{T}"/> puts numbered items back in order, and never waits forever for a lost one.</summary>
public sealed class SequencedDeliveryTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly List<string> _delivered = [];

    [Fact]
    public void Items_in_order_are_delivered_at_once()
    {
        using var delivery = Create();

        for (int i = 0; i < 5; i++) delivery.Receive(7, i, $"m{i}");

        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], _delivered);
        Assert.Equal(0, delivery.Waiting);
    }

    [Fact]
    public void Items_out_of_order_wait_for_the_earlier_ones()
    {
        using var delivery = Create();

        delivery.Receive(7, 2, "m2");
        delivery.Receive(7, 1, "m1");
        Assert.Empty(_delivered);
        Assert.Equal(2, delivery.Waiting);

        delivery.Receive(7, 0, "m0");
        Assert.Equal(["m0", "m1", "m2"], _delivered);
        delivery.Receive(7, 4, "m4");
        delivery.Receive(7, 3, "m3");
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], _delivered);
        Assert.Equal(0, delivery.Waiting);
    }

    [Fact]
    public void A_shuffled_stream_comes_out_in_order()
    {
        using var delivery = Create();
        int[] order = [.. Enumerable.Range(0, 500)];
        new Random(5).Shuffle(order);

        foreach (int i in order) delivery.Receive(1, i, $"m{i}");

        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"m{i}"), _delivered);
    }

    [Fact]
    public void Streams_are_numbered_independently()
    {
        using var delivery = Create();

        delivery.Receive(1, 1, "a1");
        delivery.Receive(2, 0, "b0");
        delivery.Receive(1, 0, "a0");
        delivery.Receive(2, 1, "b1");

        Assert.Equal(["b0", "a0", "a1", "b1"], _delivered);
    }

    [Fact]
    public void A_gap_that_never_fills_is_skipped_after_the_timeout_and_a_late_item_still_comes()
    {
        using var delivery = Create();
        delivery.Receive(7, 0, "m0");
        delivery.Receive(7, 2, "m2");
        delivery.Receive(7, 3, "m3");

        _time.Advance(SequencedDelivery<string>.GapTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["m0"], _delivered);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["m0", "m2", "m3"], _delivered);
        Assert.Equal(0, delivery.Waiting);

        delivery.Receive(7, 4, "m4");                                  // the stream goes on after the skipped gap
        delivery.Receive(7, 1, "m1");                                  // and the lost one, late, is not dropped
        Assert.Equal(["m0", "m2", "m3", "m4", "m1"], _delivered);
    }

    [Fact]
    public void A_second_gap_gets_its_own_timeout()
    {
        using var delivery = Create();
        delivery.Receive(7, 1, "m1");
        delivery.Receive(7, 3, "m3");
        _time.Advance(SequencedDelivery<string>.GapTimeout);
        Assert.Equal(["m1"], _delivered);                              // m3 now waits for m2, from now on

        delivery.Receive(7, 2, "m2");
        Assert.Equal(["m1", "m2", "m3"], _delivered);
    }

    [Fact]
    public void Too_many_waiting_items_skip_the_gap_at_once()
    {
        using var delivery = Create();

        for (int i = 1; i <= SequencedDelivery<string>.MaxWaiting + 1; i++) delivery.Receive(7, i, $"m{i}");

        Assert.Equal(SequencedDelivery<string>.MaxWaiting + 1, _delivered.Count);
        Assert.Equal("m1", _delivered[0]);
        Assert.Equal(0, delivery.Waiting);
    }

    [Fact]
    public void Only_the_newest_streams_are_kept()
    {
        using var delivery = Create();
        for (long stream = 0; stream < SequencedDelivery<string>.MaxStreams + 1; stream++) delivery.Receive(stream, 0, $"s{stream}");

        delivery.Receive(0, 1, "s0 again");                           // stream 0 was forgotten: 1 waits for a 0 to come

        Assert.Equal(SequencedDelivery<string>.MaxStreams + 1, _delivered.Count);
        Assert.Equal(1, delivery.Waiting);
        _time.Advance(SequencedDelivery<string>.GapTimeout);
        Assert.Equal("s0 again", _delivered[^1]);
    }

    [Fact]
    public void Nothing_is_delivered_after_dispose()
    {
        var delivery = Create();
        delivery.Receive(7, 1, "m1");
        delivery.Dispose();

        _time.Advance(SequencedDelivery<string>.GapTimeout);
        delivery.Receive(7, 0, "m0");

        Assert.Empty(_delivered);
    }

    [Fact]
    public async Task Concurrent_streams_each_come_out_in_order()
    {
        var delivered = new List<(long Stream, long Sequence)>();
        using var delivery = new SequencedDelivery<(long, long)>(item => delivered.Add(item), TimeProvider.System);
        const int perStream = 2_000;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(stream => Task.Run(() =>
        {
            var random = new Random(stream);
            int[] order = [.. Enumerable.Range(0, perStream)];
            for (int i = 0; i < order.Length - 1; i += 2)                  // swap neighbours now and then
            {
                if (random.Next(2) == 0) (order[i], order[i + 1]) = (order[i + 1], order[i]);
            }
            foreach (int i in order) delivery.Receive(stream, i, (stream, i));
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(4 * perStream, delivered.Count);
        foreach (var stream in delivered.GroupBy(d => d.Stream))
        {
            Assert.Equal(Enumerable.Range(0, perStream).Select(i => (long)i), stream.Select(d => d.Sequence));
        }
    }

    private SequencedDelivery<string> Create() => new(_delivered.Add, _time);
}
