using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class SubscriberBandwidthEstimatorTests
{
    private readonly ManualClock _clock = new();
    private readonly SubscriberBandwidthEstimator _estimator;
    private ushort _sequence = 65_000;                                   // wraps during the tests

    public SubscriberBandwidthEstimatorTests() => _estimator = new SubscriberBandwidthEstimator(_clock);

    private void TransportCcAt(double ms, int received, int lost)
    {
        var bytes = RtcpFeedback.TransportCc(_sequence, received, lost);
        _sequence += (ushort)(received + lost);
        Assert.Equal(RtcpParseStatus.Ok, TransportCc.TryRead(bytes, out var feedback));
        _estimator.OnTransportCc(feedback, _clock.At(ms));
    }

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
        TransportCcAt(0, 100, 0);                                        // no loss, but the REMB holds it
        Assert.Equal(500_000, _estimator.Estimate);
        _estimator.OnReceiverEstimatedMaxBitrate(2_000_000);             // the receiver allows more: grow from where we are
        Assert.Equal(500_000, _estimator.Estimate);
        TransportCcAt(1_000, 100, 0);
        Assert.Equal(540_000, _estimator.Estimate);
        TransportCcAt(2_000, 60, 40);                                    // 40 % loss acts on the rate in use
        Assert.Equal(432_000, _estimator.Estimate);
    }

    [Fact]
    public void Estimate_is_clamped_to_min_and_max()
    {
        for (int ms = 0; ms < 20_000; ms += 300) TransportCcAt(ms, 0, 100);
        Assert.Equal(30_000, _estimator.Estimate);
        for (int ms = 20_000; ms < 130_000; ms += 1_000) TransportCcAt(ms, 100, 0);
        Assert.Equal(20_000_000, _estimator.Estimate);
        _estimator.OnReceiverEstimatedMaxBitrate(ulong.MaxValue);        // a REMB above the maximum changes nothing
        Assert.Equal(20_000_000, _estimator.Estimate);
        _estimator.OnReceiverEstimatedMaxBitrate(1_000);                 // nor does one below the minimum go below it
        Assert.Equal(30_000, _estimator.Estimate);
    }

    [Fact]
    public void Custom_options_set_start_and_clamps()
    {
        var options = new SubscriberBandwidthEstimatorOptions { StartBitrate = 300_000, MinBitrate = 100_000, MaxBitrate = 320_000 };
        var estimator = new SubscriberBandwidthEstimator(_clock, options);
        Assert.Equal(300_000, estimator.Estimate);
        var bytes = RtcpFeedback.TransportCc(0, 100, 0);
        Assert.Equal(RtcpParseStatus.Ok, TransportCc.TryRead(bytes, out var feedback));
        estimator.OnTransportCc(feedback, _clock.At(0));
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
