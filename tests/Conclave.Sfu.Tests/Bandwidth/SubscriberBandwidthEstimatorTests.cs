using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class SubscriberBandwidthEstimatorTests
{
    private readonly ManualClock _clock = new();
    private readonly SubscriberBandwidthEstimator _estimator;
    private readonly SubscriberLink _link;

    public SubscriberBandwidthEstimatorTests()
    {
        _estimator = new SubscriberBandwidthEstimator(_clock);
        _link = new SubscriberLink(_estimator, _clock);
    }

    private void TransportCcAt(double ms, int received, int lost) => _link.Exchange(ms, received, lost);

    private void ReceiverReportAt(double ms, params (uint Ssrc, uint Highest, byte FractionLost)[] blocks)
    {
        Assert.Equal(RtcpParseStatus.Ok, ReceiverReport.TryRead(RtcpFeedback.ReceiverReport(blocks), out var report));
        _estimator.OnReceiverReport(report, _clock.At(ms));
    }

    [Fact]
    public void Starts_at_the_start_bitrate()
    {
        Assert.Equal(1_000_000, _estimator.Estimate);
        Assert.Null(_estimator.ReceiverEstimatedMaxBitrate);
        Assert.Equal(0, _estimator.LossRatio);
    }

    // draft-ietf-rmcat-gcc-02 §6: p < 2 % → ×1.08 (libwebrtc's factor), 2–10 % → hold, p > 10 % → ×(1 − 0.5p).
    public static TheoryData<string, int, long> LossReactions => new()
    {
        { "no loss grows 8 %",              0, 1_080_000 },
        { "1 % loss grows 8 %",             1, 1_080_000 },
        { "2 % loss holds",                 2, 1_000_000 },
        { "5 % loss holds",                 5, 1_000_000 },
        { "10 % loss holds",               10, 1_000_000 },
        { "11 % loss shrinks by 5.5 %",    11,   945_000 },
        { "50 % loss shrinks by 25 %",     50,   750_000 },
        { "all lost halves",              100,   500_000 },
    };

    [Theory]
    [MemberData(nameof(LossReactions))]
    public void Transport_cc_loss_moves_the_estimate(string name, int lostOfHundred, long expected)
    {
        Assert.NotEmpty(name);
        TransportCcAt(0, 100 - lostOfHundred, lostOfHundred);
        Assert.Equal(expected, _estimator.Estimate);
        Assert.Equal(lostOfHundred / 100.0, _estimator.LossRatio, 9);
    }

    [Fact]
    public void Decreases_at_most_once_per_decrease_interval()
    {
        TransportCcAt(0, 80, 20);
        Assert.Equal(900_000, _estimator.Estimate);
        TransportCcAt(100, 80, 20);                                      // the same congestion, reported again
        TransportCcAt(299, 80, 20);
        Assert.Equal(900_000, _estimator.Estimate);
        TransportCcAt(300, 80, 20);
        Assert.Equal(810_000, _estimator.Estimate);
    }

    [Fact]
    public void Growth_is_bounded_to_one_step_per_increase_interval_however_often_feedback_comes()
    {
        TransportCcAt(0, 100, 0);
        TransportCcAt(500, 100, 0);
        Assert.Equal(1_080_000, _estimator.Estimate);
        TransportCcAt(1_000, 100, 0);
        Assert.Equal(1_166_400, _estimator.Estimate);
        for (int ms = 1_050; ms < 5_000; ms += 50) TransportCcAt(ms, 100, 0);   // 20 feedback messages a second
        Assert.Equal(1_469_328, _estimator.Estimate);                    // five steps (0, 1, 2, 3, 4 s), each rounded
    }

    [Fact]
    public void Loss_is_pooled_until_enough_packets_are_covered()
    {
        TransportCcAt(0, 5, 5);                                          // 10 packets: too few to judge
        Assert.Equal(1_000_000, _estimator.Estimate);
        TransportCcAt(50, 10, 0);                                        // 20 packets, 5 lost: 25 %
        Assert.Equal(0.25, _estimator.LossRatio);
        Assert.Equal(875_000, _estimator.Estimate);
    }

    [Fact]
    public void Remb_bounds_the_estimate_and_losses_act_below_it()
    {
        _estimator.OnReceiverEstimatedMaxBitrate(500_000);
        Assert.Equal(500_000, _estimator.Estimate);
        Assert.Equal(500_000, _estimator.ReceiverEstimatedMaxBitrate);
        ReceiverReportAt(0, (0xA, 1_000, 0));
        ReceiverReportAt(1_000, (0xA, 1_100, 0));                        // no loss, but the REMB holds it
        Assert.Equal(500_000, _estimator.Estimate);
        _estimator.OnReceiverEstimatedMaxBitrate(2_000_000);             // the receiver allows more: grow from where we are
        Assert.Equal(500_000, _estimator.Estimate);
        ReceiverReportAt(2_000, (0xA, 1_200, 0));
        Assert.Equal(540_000, _estimator.Estimate);
        ReceiverReportAt(3_000, (0xA, 1_300, 102));                      // 40 % loss acts on the rate in use
        Assert.Equal(432_000, _estimator.Estimate);
    }

    [Fact]
    public void Remb_is_ignored_once_the_subscriber_sends_transport_cc()
    {
        _estimator.OnReceiverEstimatedMaxBitrate(100_000);              // e.g. libwebrtc's estimate of its audio alone
        Assert.Equal(100_000, _estimator.Estimate);
        TransportCcAt(0, 100, 0);                                        // transport-cc covers everything: the REMB bound goes
        Assert.Null(_estimator.ReceiverEstimatedMaxBitrate);
        Assert.Equal(108_000, _estimator.Estimate);
        _estimator.OnReceiverEstimatedMaxBitrate(50_000);
        Assert.Equal(108_000, _estimator.Estimate);
    }

    [Fact]
    public void A_growing_queue_brings_the_estimate_under_the_acknowledged_rate()
    {
        // 1,200 bytes every 10 ms (960 kbit/s) with a steady 20 ms delay for 2 s, then a queue growing 10 ms per
        // 100 ms (draft-ietf-rmcat-gcc-02 §5); feedback every 100 ms.
        double QueueAt(double ms) => ms < 2_000 ? 0 : (ms - 2_000) * 0.1;
        long beforeQueue = 0;
        int overusedAt = -1;
        for (int ms = 0; ms < 4_000 && overusedAt < 0; ms += 10)
        {
            _link.Send(ms, ms + 20 + QueueAt(ms));
            if (ms % 100 != 90) continue;
            _link.Feedback(ms + 25 + QueueAt(ms));
            if (ms < 2_000) Assert.Equal(BandwidthUsage.Normal, _estimator.Usage);
            if (ms == 1_990) beforeQueue = _estimator.Estimate;
            if (_estimator.Usage == BandwidthUsage.Overusing) overusedAt = ms;
        }
        Assert.True(beforeQueue > 1_000_000, $"without a queue the estimate grows: {beforeQueue}");
        Assert.InRange(overusedAt, 2_000, 3_000);                         // noticed within a second of queuing
        long limit = _estimator.DelayBasedEstimate;
        // §5.5: A = 0.85 · R_hat, R_hat being about 960 kbit/s acknowledged over the last half second.
        Assert.InRange(limit, 0.85 * 880_000, 0.85 * 1_040_000);
        Assert.Equal(limit, _estimator.Estimate);
        Assert.Equal(0, _estimator.LossRatio);
    }

    [Fact]
    public void A_packet_reported_lost_and_then_received_was_late_not_lost()
    {
        var sent = new List<ushort>();
        for (int i = 0; i < 10; i++) sent.Add(_link.Send(i, i + 10));
        // The first feedback has the last five not (yet) received: 10 packets, too few to judge.
        _link.Feedback(20, [.. sent.Select((s, i) => (s, i < 5 ? (double?)(i + 10) : null))]);
        Assert.Equal(1_000_000, _estimator.Estimate);
        // The next one reports them received after all, with ten more: 20 packets, none lost.
        _link.Feedback(40, [.. sent.Skip(5).Select((s, i) => (s, (double?)(i + 35)))]);
        for (int i = 0; i < 10; i++) _link.Send(40 + i, 50 + i);
        _link.Feedback(60);
        Assert.Equal(0, _estimator.LossRatio);
        Assert.Equal(1_080_000, _estimator.Estimate);
    }

    [Fact]
    public void Feedback_about_packets_never_sent_is_ignored()
    {
        _link.Feedback(0, [.. Enumerable.Range(30_000, 100).Select(s => ((ushort)s, (double?)null))]);
        Assert.Equal(0, _estimator.LossRatio);
        Assert.Equal(1_000_000, _estimator.Estimate);
    }

    [Fact]
    public void Estimate_is_clamped_to_min_and_max()
    {
        for (int ms = 0; ms < 20_000; ms += 300) TransportCcAt(ms, 0, 100);
        Assert.Equal(30_000, _estimator.Estimate);
        for (int ms = 20_000; ms < 130_000; ms += 1_000) TransportCcAt(ms, 100, 0);
        Assert.Equal(20_000_000, _estimator.Estimate);
        var withRemb = new SubscriberBandwidthEstimator(_clock);
        withRemb.OnReceiverEstimatedMaxBitrate(ulong.MaxValue);          // a REMB above the maximum changes nothing
        Assert.Equal(1_000_000, withRemb.Estimate);
        withRemb.OnReceiverEstimatedMaxBitrate(1_000);                   // nor does one below the minimum go below it
        Assert.Equal(30_000, withRemb.Estimate);
    }

    [Fact]
    public void Custom_options_set_start_and_clamps()
    {
        var options = new SubscriberBandwidthEstimatorOptions { StartBitrate = 300_000, MinBitrate = 100_000, MaxBitrate = 320_000 };
        var estimator = new SubscriberBandwidthEstimator(_clock, options);
        Assert.Equal(300_000, estimator.Estimate);
        new SubscriberLink(estimator, _clock).Exchange(0, 100, 0);
        Assert.Equal(320_000, estimator.Estimate);
    }

    [Fact]
    public void Receiver_report_fraction_lost_is_weighted_by_packets_expected()
    {
        ReceiverReportAt(0, (0xA, 1_000, 255));                          // RFC 3550 App. A.3: the first block is a baseline
        Assert.Equal(1_000_000, _estimator.Estimate);
        ReceiverReportAt(1_000, (0xA, 1_100, 64));                       // 100 expected, 64/256 = 25 % lost
        Assert.Equal(875_000, _estimator.Estimate);
        ReceiverReportAt(2_000, (0xB, 70_000, 0));                       // a second stream's baseline
        // 900 packets of A without loss and 100 of B with half lost: 50 / 1000 = 5 %, so hold.
        ReceiverReportAt(3_000, (0xA, 2_000, 0), (0xB, 70_100, 128));
        Assert.Equal(0.05, _estimator.LossRatio, 9);
        Assert.Equal(875_000, _estimator.Estimate);
    }

    [Fact]
    public void Sender_report_blocks_count_like_receiver_report_blocks()
    {
        Assert.Equal(RtcpParseStatus.Ok, SenderReport.TryRead(RtcpFeedback.SenderReport((0xA, 0xFFFF_FFF0, 0)), out var first));
        _estimator.OnSenderReport(first, _clock.At(0));
        Assert.Equal(RtcpParseStatus.Ok, SenderReport.TryRead(RtcpFeedback.SenderReport((0xA, 0x0000_0050, 0)), out var second));
        _estimator.OnSenderReport(second, _clock.At(1_000));                 // 96 packets across the 32-bit wrap, no loss
        Assert.Equal(1_080_000, _estimator.Estimate);
    }

    [Fact]
    public void Stale_report_is_ignored_and_keeps_the_baseline()
    {
        ReceiverReportAt(0, (0xA, 1_000, 0));
        ReceiverReportAt(100, (0xA, 900, 255));                          // reordered: older than the baseline
        Assert.Equal(1_000_000, _estimator.Estimate);
        ReceiverReportAt(1_000, (0xA, 1_100, 128));                      // 100 since 1,000, half lost
        Assert.Equal(750_000, _estimator.Estimate);
    }

    [Fact]
    public void Removed_stream_starts_a_new_baseline()
    {
        ReceiverReportAt(0, (0xA, 1_000, 0));
        Assert.True(_estimator.RemoveStream(0xA));
        Assert.False(_estimator.RemoveStream(0xA));
        ReceiverReportAt(1_000, (0xA, 5_000, 255));
        Assert.Equal(1_000_000, _estimator.Estimate);
    }

    [Fact]
    public void Report_blocks_are_ignored_once_transport_cc_is_seen()
    {
        ReceiverReportAt(0, (0xA, 1_000, 0));
        TransportCcAt(10, 95, 5);                                        // 5 %: hold
        ReceiverReportAt(1_000, (0xA, 1_100, 255));                      // would be 100 % loss; transport-cc already counted it
        Assert.Equal(1_000_000, _estimator.Estimate);
        Assert.Equal(0.05, _estimator.LossRatio, 9);
    }

    [Fact]
    public void Inconsistent_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubscriberBandwidthEstimator(_clock, new() { MinBitrate = 2_000_000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubscriberBandwidthEstimator(_clock, new() { StartBitrate = 30_000_000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubscriberBandwidthEstimator(_clock, new() { LowLossThreshold = 0.2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubscriberBandwidthEstimator(_clock, new() { IncreaseFactor = 0.9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SubscriberBandwidthEstimator(_clock, new() { MinPacketsPerLossSample = 0 }));
    }
}
