using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Tests.Bandwidth;

namespace Conclave.Sfu.Tests.Reports;

/// <summary>The report blocks the SFU sends publishers and the .NET client the SFU (RFC 3550 §6.4.1, App. A.1, A.3, A.8).</summary>
public sealed class ReceiveStatisticsTests
{
    private const int ClockRate = 90000;
    private readonly ManualClock _clock = new();

    [Fact]
    public void Nothing_received_means_no_report()
    {
        var stats = new ReceiveStatistics(ClockRate, _clock);
        Assert.False(stats.TryBuildReport(7, _clock.At(0), out _));
    }

    [Fact]
    public void Loss_counts_cumulatively_and_per_interval_across_a_sequence_wrap()
    {
        var stats = new ReceiveStatistics(ClockRate, _clock);
        // 65530 .. 65535, 0 .. 14 with every fifth packet missing: 21 expected, 4 lost.
        int received = 0;
        for (int i = 0; i < 21; i++)
        {
            if (i % 5 == 4) continue;
            stats.OnPacket((ushort)(65530 + i), (uint)(i * 3000), _clock.At(i * 33.3));
            received++;
        }
        Assert.True(stats.TryBuildReport(7, _clock.At(700), out ReportBlock first));
        Assert.Equal(7u, first.Ssrc);
        Assert.Equal((1u << 16) + 14, first.ExtendedHighestSequenceNumber);   // one cycle, highest 14
        Assert.Equal(4, first.CumulativeLost);
        Assert.Equal(4 * 256 / 21, first.FractionLost);

        // The next interval loses nothing: the fraction drops to 0, the cumulative count stays.
        for (int i = 21; i < 31; i++) stats.OnPacket((ushort)(65530 + i), (uint)(i * 3000), _clock.At(i * 33.3));
        Assert.True(stats.TryBuildReport(7, _clock.At(1100), out ReportBlock second));
        Assert.Equal(0, second.FractionLost);
        Assert.Equal(4, second.CumulativeLost);
    }

    [Fact]
    public void Duplicates_and_late_packets_do_not_move_the_highest_sequence_number()
    {
        var stats = new ReceiveStatistics(ClockRate, _clock);
        stats.OnPacket(100, 0, _clock.At(0));
        stats.OnPacket(102, 6000, _clock.At(66));
        stats.OnPacket(101, 3000, _clock.At(70));                             // late
        stats.OnPacket(102, 6000, _clock.At(71));                             // duplicate
        Assert.True(stats.TryBuildReport(1, _clock.At(100), out ReportBlock block));
        Assert.Equal(102u, block.ExtendedHighestSequenceNumber);
        Assert.Equal(-1, block.CumulativeLost);                                // RFC 3550 §6.4.1: duplicates make it negative
    }

    [Fact]
    public void Jitter_follows_the_variation_of_transit_time()
    {
        var steady = new ReceiveStatistics(ClockRate, _clock);
        var jittery = new ReceiveStatistics(ClockRate, _clock);
        for (int i = 0; i < 200; i++)
        {
            steady.OnPacket((ushort)i, (uint)(i * 3000), _clock.At(i * 1000.0 / 30));
            jittery.OnPacket((ushort)i, (uint)(i * 3000), _clock.At(i * 1000.0 / 30 + (i % 2 == 0 ? 0 : 10)));   // ±10 ms
        }
        Assert.True(steady.TryBuildReport(1, _clock.At(7000), out ReportBlock calm));
        Assert.True(jittery.TryBuildReport(1, _clock.At(7000), out ReportBlock noisy));
        Assert.InRange(calm.Jitter, 0u, 2u);
        // |D| = 10 ms = 900 units every packet: J converges to 900 (App. A.8).
        Assert.InRange(noisy.Jitter, 850u, 900u);
    }

    [Fact]
    public void Lsr_and_dlsr_let_the_publisher_measure_the_round_trip()
    {
        var stats = new ReceiveStatistics(ClockRate, _clock);
        stats.OnPacket(1, 0, _clock.At(0));
        ulong ntp = 0x0000_1234_5678_9ABCUL << 8;
        stats.OnSenderReport(ntp, _clock.At(100));
        Assert.True(stats.TryBuildReport(1, _clock.At(600), out ReportBlock block));
        Assert.Equal((uint)(ntp >> 16), block.LastSenderReport);
        Assert.Equal(65536u / 2, block.DelaySinceLastSenderReport);          // 500 ms in 1/65536 s
    }
}
