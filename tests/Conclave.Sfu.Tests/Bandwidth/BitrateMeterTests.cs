using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class BitrateMeterTests
{
    private readonly ManualClock _clock = new();

    // A packet every 10 ms of bitrate / 800 bytes is exactly `bitrate` bits per second.
    private void Feed(BitrateMeter meter, long bitrate, double fromMs, double toMs)
    {
        for (double t = fromMs; t < toMs; t += 10) meter.OnPacket((int)(bitrate / 800), _clock.At(t));
    }

    private static void AssertNear(long expected, long actual, double tolerance)
        => Assert.InRange(actual, (long)(expected * (1 - tolerance)), (long)(expected * (1 + tolerance)));

    public static TheoryData<string, int, int, long> Windows => new()
    {
        { "1 s in 10 buckets, 1 Mbit/s",    1000, 10, 1_000_000 },
        { "1 s in 100 buckets, 2.5 Mbit/s", 1000, 100, 2_500_000 },
        { "500 ms in 5 buckets, 300 kbit/s", 500, 5, 300_000 },
        { "2 s in 2 buckets, 64 kbit/s",    2000, 2, 64_000 },
        { "3 s in 30 buckets, 8 Mbit/s",    3000, 30, 8_000_000 },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Constant_stream_reads_its_bitrate_wherever_the_window_ends(string name, int windowMs, int buckets, long bitrate)
    {
        Assert.NotEmpty(name);
        var meter = new BitrateMeter(_clock, TimeSpan.FromMilliseconds(windowMs), buckets);
        // Read every 7 ms from the second window on, so the window ends on packets, between them, on bucket
        // boundaries and inside buckets: a packet more or less than the covered span (at least 400 ms here) holds
        // is the only error.
        for (int ms = 0; ms < 10_000; ms++)
        {
            if (ms % 10 == 0) meter.OnPacket((int)(bitrate / 800), _clock.At(ms));
            if (ms >= windowMs && ms % 7 == 0) AssertNear(bitrate, meter.GetBitrate(_clock.At(ms)), 0.03);
        }
    }

    [Fact]
    public void Nothing_measured_reads_zero()
    {
        var meter = new BitrateMeter(_clock);
        Assert.Equal(0, meter.GetBitrate(_clock.At(0)));
        Assert.Equal(0, meter.GetBitrate(_clock.At(5_000)));
    }

    [Fact]
    public void Young_meter_averages_over_the_time_since_its_first_packet()
    {
        var meter = new BitrateMeter(_clock);
        Feed(meter, 1_000_000, 0, 505);                                  // 51 packets over 500 ms
        AssertNear(1_000_000, meter.GetBitrate(_clock.At(500)), 0.025);
    }

    [Fact]
    public void First_packet_alone_counts_over_one_bucket()
    {
        var meter = new BitrateMeter(_clock);                            // 100 ms buckets
        meter.OnPacket(1250, _clock.At(0));
        Assert.Equal(100_000, meter.GetBitrate(_clock.At(0)));           // 10,000 bits / 100 ms
    }

    [Fact]
    public void Rate_change_is_followed_within_one_window()
    {
        var meter = new BitrateMeter(_clock);
        Feed(meter, 1_000_000, 0, 3_000);
        Feed(meter, 3_000_000, 3_000, 3_500);
        AssertNear(2_000_000, meter.GetBitrate(_clock.At(3_495)), 0.05);  // half the window at each rate
        Feed(meter, 3_000_000, 3_500, 4_100);
        AssertNear(3_000_000, meter.GetBitrate(_clock.At(4_095)), 0.025);
    }

    [Fact]
    public void Silence_drains_the_window()
    {
        var meter = new BitrateMeter(_clock);
        Feed(meter, 1_000_000, 0, 2_000);
        AssertNear(500_000, meter.GetBitrate(_clock.At(2_495)), 0.05);    // the last 500 ms of the window are empty
        Assert.Equal(0, meter.GetBitrate(_clock.At(3_100)));
        Feed(meter, 1_000_000, 10_000, 12_000);                          // and it picks up again after a long gap
        AssertNear(1_000_000, meter.GetBitrate(_clock.At(11_995)), 0.025);
    }

    [Fact]
    public void Late_timestamp_counts_in_the_newest_bucket()
    {
        var meter = new BitrateMeter(_clock);
        meter.OnPacket(1000, _clock.At(0));
        meter.OnPacket(1000, _clock.At(1_500));
        meter.OnPacket(1000, _clock.At(1_200));                          // reported late, from another queue
        // The first packet has left the window; the window covers buckets 6–15, 600–1500 ms: 16,000 bits / 0.9 s.
        Assert.Equal(17_777, meter.GetBitrate(_clock.At(1_500)));
    }

    [Fact]
    public void Bad_windows_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitrateMeter(_clock, TimeSpan.FromSeconds(1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitrateMeter(_clock, TimeSpan.FromTicks(10), 10));   // 1 µs, 10 buckets
    }
}
