using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

public sealed class RtpStreamRewriterTests
{
    private const uint OutputSsrc = 0xA0A0A0A0;
    private const uint LayerA = 0x11111111;
    private const uint LayerB = 0x22222222;
    private const ushort InitialSeq = 1000;
    private const uint InitialTs = 50_000;
    private const long FrameInterval = 33_333;      // µs, 30 fps
    private const uint FrameTicks = 3000;           // 90 kHz, 30 fps

    private static RtpStreamRewriter NewRewriter(ushort initialSeq = InitialSeq, uint initialTs = InitialTs, int historySize = RtpStreamRewriter.DefaultHistorySize)
        => new(OutputSsrc, VideoClockRate, Frequency, initialSeq, initialTs, historySize);

    private static (RtpRewriteStatus Status, byte[] Packet) Forward(RtpStreamRewriter rewriter, uint ssrc, ushort seq, uint ts,
        long arrival, bool switchPoint = false)
    {
        byte[] packet = Rtp(ssrc, seq, ts);
        return (rewriter.TryRewrite(packet, arrival, switchPoint, out _), packet);
    }

    private static void AssertForwarded(RtpStreamRewriter rewriter, uint ssrc, ushort seq, uint ts, long arrival,
        ushort expectedSeq, uint expectedTs, bool switchPoint = false)
    {
        byte[] original = Rtp(ssrc, seq, ts);
        byte[] packet = (byte[])original.Clone();
        Assert.Equal(RtpRewriteStatus.Forwarded, rewriter.TryRewrite(packet, arrival, switchPoint, out ushort output));
        Assert.Equal(expectedSeq, output);
        Assert.Equal(expectedSeq, Seq(packet));
        Assert.Equal(expectedTs, Ts(packet));
        Assert.Equal(OutputSsrc, Ssrc(packet));
        Assert.Equal(original.AsSpan(0, 2).ToArray(), packet.AsSpan(0, 2).ToArray());      // V, P, X, CC, M, PT
        Assert.Equal(original.AsSpan(12).ToArray(), packet.AsSpan(12).ToArray());          // payload never touched
    }

    private static void AssertDropped(RtpStreamRewriter rewriter, uint ssrc, ushort seq, uint ts, long arrival,
        RtpRewriteStatus expected, bool switchPoint = false)
    {
        byte[] original = Rtp(ssrc, seq, ts);
        byte[] packet = (byte[])original.Clone();
        Assert.Equal(expected, rewriter.TryRewrite(packet, arrival, switchPoint, out _));
        Assert.Equal(original, packet);
    }

    [Fact]
    public void First_switch_point_starts_at_the_initial_sequence_number_and_timestamp()
    {
        var rewriter = NewRewriter();
        Assert.False(rewriter.IsSynchronized);
        AssertDropped(rewriter, LayerA, 40_000, 7_000_000, 0, RtpRewriteStatus.AwaitingSwitchPoint);
        AssertForwarded(rewriter, LayerA, 40_001, 7_000_000, 10, InitialSeq, InitialTs, switchPoint: true);
        Assert.True(rewriter.IsSynchronized);
        Assert.Equal(LayerA, rewriter.SourceSsrc);
        Assert.Equal(InitialSeq, rewriter.LastSequenceNumber);
        Assert.Equal(InitialTs, rewriter.HighestTimestamp);
    }

    [Fact]
    public void One_source_keeps_its_sequence_and_timestamp_offsets()
    {
        var rewriter = NewRewriter();
        for (int frame = 0; frame < 20; frame++)
        for (int k = 0; k < 3; k++)
        {
            int i = 3 * frame + k;
            AssertForwarded(rewriter, LayerA, (ushort)(40_000 + i), 7_000_000 + FrameTicks * (uint)frame, frame * FrameInterval,
                (ushort)(InitialSeq + i), InitialTs + FrameTicks * (uint)frame, switchPoint: i == 0);
        }
    }

    [Fact]
    public void Layer_switch_continues_the_sequence_and_advances_the_timestamp_by_the_elapsed_time()
    {
        var rewriter = NewRewriter();
        for (int i = 0; i < 30; i++)            // 10 frames of 3 packets on layer A
            AssertForwarded(rewriter, LayerA, (ushort)(40_000 + i), 7_000_000 + FrameTicks * (uint)(i / 3), i / 3 * FrameInterval,
                (ushort)(InitialSeq + i), InitialTs + FrameTicks * (uint)(i / 3), switchPoint: i == 0);
        // Last A frame (ts InitialTs + 27000) arrived at 9 × 33333 µs; B's keyframe 33333 µs later: +2999 ticks.
        uint switchTs = InitialTs + 27_000 + 2999;
        AssertForwarded(rewriter, LayerB, 5, 123_456, 10 * FrameInterval, InitialSeq + 30, switchTs, switchPoint: true);
        Assert.Equal(LayerB, rewriter.SourceSsrc);
        AssertForwarded(rewriter, LayerB, 6, 123_456, 10 * FrameInterval, InitialSeq + 31, switchTs);
        AssertForwarded(rewriter, LayerB, 7, 123_456 + FrameTicks, 11 * FrameInterval, InitialSeq + 32, switchTs + FrameTicks);

        // And back to A, whose numbers ran on meanwhile: again last + 1, and highest + elapsed (1 s → 90000).
        long backAt = 11 * FrameInterval + 1_000_000;
        AssertForwarded(rewriter, LayerA, 40_100, 7_000_000 + 100 * FrameTicks, backAt, InitialSeq + 33,
            switchTs + FrameTicks + 90_000, switchPoint: true);
    }

    [Fact]
    public void Switch_with_no_elapsed_time_still_advances_the_timestamp_by_one_tick()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 1, 900, 5_000, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerB, 77, 12, 5_000, InitialSeq + 1, InitialTs + 1, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 2, 900, 4_000, InitialSeq + 2, InitialTs + 2, switchPoint: true);   // clock went back
    }

    [Fact]
    public void Pending_switch_keeps_the_current_source_flowing_until_the_switch_point()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 10, 3000, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertDropped(rewriter, LayerB, 500, 90_000, 1_000, RtpRewriteStatus.AwaitingSwitchPoint);
        AssertForwarded(rewriter, LayerA, 11, 6000, 33_333, InitialSeq + 1, InitialTs + 3000);
        AssertDropped(rewriter, LayerB, 501, 93_000, 34_000, RtpRewriteStatus.AwaitingSwitchPoint);
        AssertForwarded(rewriter, LayerA, 12, 6000, 34_000, InitialSeq + 2, InitialTs + 3000, switchPoint: true);   // no effect
        // Elapsed time runs from the last packet of the newest frame (34000 µs).
        AssertForwarded(rewriter, LayerB, 502, 96_000, 66_666, InitialSeq + 3, InitialTs + 3000 + VideoTicks(66_666 - 34_000),
            switchPoint: true);
    }

    [Fact]
    public void Packets_from_before_the_switch_point_are_dropped()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 100, 3000, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 101, 3000, 0, InitialSeq + 1, InitialTs);
        AssertForwarded(rewriter, LayerB, 500, 9000, 33_333, InitialSeq + 2, InitialTs + 2999, switchPoint: true);
        AssertDropped(rewriter, LayerB, 499, 6000, 33_400, RtpRewriteStatus.Stale);
        AssertDropped(rewriter, LayerB, 498, 6000, 33_400, RtpRewriteStatus.Stale, switchPoint: true);   // current source
        AssertDropped(rewriter, LayerA, 102, 3000, 33_500, RtpRewriteStatus.AwaitingSwitchPoint);        // late old layer
        AssertForwarded(rewriter, LayerB, 501, 9000, 33_600, InitialSeq + 3, InitialTs + 2999);
        Assert.Equal(LayerB, rewriter.SourceSsrc);
    }

    [Fact]
    public void Resume_after_a_pause_continues_the_sequence_and_advances_the_timestamp()
    {
        var rewriter = NewRewriter();
        for (int i = 0; i < 10; i++)
            AssertForwarded(rewriter, LayerA, (ushort)(100 + i), 3000u * (uint)i, i * FrameInterval,
                (ushort)(InitialSeq + i), InitialTs + 3000u * (uint)i, switchPoint: i == 0);
        rewriter.Resync();                      // paused: A's numbers run on while nothing is forwarded
        Assert.False(rewriter.IsSynchronized);

        long resumeAt = 9 * FrameInterval + 5_000_000;      // 5 s later, A is 300 packets further
        AssertDropped(rewriter, LayerA, 410, 3000u * 160, resumeAt - 100, RtpRewriteStatus.AwaitingSwitchPoint);
        uint resumedTs = InitialTs + 27_000 + 450_000;
        AssertForwarded(rewriter, LayerA, 411, 3000u * 160, resumeAt, InitialSeq + 10, resumedTs, switchPoint: true);
        AssertDropped(rewriter, LayerA, 405, 3000u * 158, resumeAt + 10, RtpRewriteStatus.Stale);        // sent during the pause
        AssertDropped(rewriter, LayerA, 109, 3000u * 9, resumeAt + 10, RtpRewriteStatus.Stale);          // from before it
        AssertForwarded(rewriter, LayerA, 412, 3000u * 161, resumeAt + FrameInterval, InitialSeq + 11, resumedTs + 3000);
    }

    [Fact]
    public void Publisher_silence_without_resync_keeps_the_source_timestamp_gap()
    {
        // The sender stopped sending (mute, DTX): its sequence numbers stand still, its clock runs on.
        var rewriter = new RtpStreamRewriter(OutputSsrc, 48_000, Frequency, InitialSeq, InitialTs);
        AssertForwarded(rewriter, LayerA, 7, 960, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 8, 1920, 20_000, InitialSeq + 1, InitialTs + 960);
        AssertForwarded(rewriter, LayerA, 9, 1920 + 240_000, 5_020_000, InitialSeq + 2, InitialTs + 960 + 240_000);
    }

    [Fact]
    public void Reordered_packets_keep_their_relative_sequence_and_timestamp()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 200, 9000, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 203, 15_000, 10, InitialSeq + 3, InitialTs + 6000);
        Assert.Equal(InitialSeq + 3, rewriter.LastSequenceNumber);
        AssertForwarded(rewriter, LayerA, 201, 12_000, 20, InitialSeq + 1, InitialTs + 3000);
        AssertForwarded(rewriter, LayerA, 202, 12_000, 30, InitialSeq + 2, InitialTs + 3000);
        Assert.Equal(InitialSeq + 3, rewriter.LastSequenceNumber);
        Assert.Equal(InitialTs + 6000, rewriter.HighestTimestamp);
        AssertForwarded(rewriter, LayerA, 204, 15_000, 40, InitialSeq + 4, InitialTs + 6000);
    }

    [Fact]
    public void Duplicates_are_dropped_and_report_their_output_sequence_number()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 300, 0, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 301, 0, 0, InitialSeq + 1, InitialTs);
        AssertForwarded(rewriter, LayerA, 302, 0, 0, InitialSeq + 2, InitialTs);
        foreach (ushort seq in (ushort[])[301, 302, 300])
        {
            byte[] packet = Rtp(LayerA, seq, 0);
            byte[] original = (byte[])packet.Clone();
            Assert.Equal(RtpRewriteStatus.Duplicate, rewriter.TryRewrite(packet, 10, true, out ushort output));
            Assert.Equal((ushort)(InitialSeq + seq - 300), output);
            Assert.Equal(original, packet);
        }
        Assert.Equal(InitialSeq + 2, rewriter.LastSequenceNumber);
    }

    [Fact]
    public void Upstream_loss_leaves_a_gap_that_a_late_packet_fills()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 10, 0, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 11, 0, 0, InitialSeq + 1, InitialTs);
        AssertForwarded(rewriter, LayerA, 14, 3000, 0, InitialSeq + 4, InitialTs + 3000);
        Assert.False(rewriter.TryMapOutputSequence(InitialSeq + 2, out _, out _, out _));
        AssertForwarded(rewriter, LayerA, 12, 0, 50_000, InitialSeq + 2, InitialTs);    // upstream retransmission
        Assert.True(rewriter.TryMapOutputSequence(InitialSeq + 2, out uint ssrc, out ushort seq, out uint ts));
        Assert.Equal((LayerA, (ushort)12, InitialTs), (ssrc, seq, ts));
        Assert.False(rewriter.TryMapOutputSequence(InitialSeq + 3, out _, out _, out _));
    }

    [Fact]
    public void Sequence_numbers_wrap_on_both_sides()
    {
        var rewriter = NewRewriter(initialSeq: 65_534);
        for (int i = 0; i < 16; i++)
        {
            if (i == 6) continue;                                   // source 0 arrives after source 1
            AssertForwarded(rewriter, LayerA, (ushort)(65_530 + i), 3000, 0, (ushort)(65_534 + i), InitialTs, switchPoint: i == 0);
        }
        AssertForwarded(rewriter, LayerA, 0, 3000, 0, 4, InitialTs);
        Assert.Equal((ushort)13, rewriter.LastSequenceNumber);
        AssertDropped(rewriter, LayerA, 65_529, 3000, 0, RtpRewriteStatus.Stale);    // before the segment, across the wrap
        AssertForwarded(rewriter, LayerB, 65_535, 0, 0, 14, InitialTs + 1, switchPoint: true);
        AssertForwarded(rewriter, LayerB, 0, 0, 0, 15, InitialTs + 1);
    }

    [Fact]
    public void Timestamps_wrap_and_compare_in_modular_order()
    {
        const uint sourceBase = 4_294_960_000;        // 2^32 − 7296
        var rewriter = NewRewriter(initialTs: uint.MaxValue - 4000);
        foreach (int frame in (int[])[0, 2, 3, 4])
            AssertForwarded(rewriter, LayerA, (ushort)frame, unchecked(sourceBase + FrameTicks * (uint)frame), frame * FrameInterval,
                (ushort)(InitialSeq + frame), unchecked(uint.MaxValue - 4000 + FrameTicks * (uint)frame), switchPoint: frame == 0);
        uint highest = unchecked(uint.MaxValue - 4000 + 4 * FrameTicks);
        Assert.Equal(highest, rewriter.HighestTimestamp);              // 7999 after the wrap

        // Frame 1 (before the wrap) arrives late: it keeps its offset and does not become the highest.
        AssertForwarded(rewriter, LayerA, 1, unchecked(sourceBase + FrameTicks), 5 * FrameInterval, InitialSeq + 1,
            uint.MaxValue - 1000);
        Assert.Equal(highest, rewriter.HighestTimestamp);

        // Elapsed time is measured from the arrival of the highest timestamp (frame 4), not of the late packet.
        AssertForwarded(rewriter, LayerB, 9, 17, 5 * FrameInterval, InitialSeq + 5, highest + 2999, switchPoint: true);
    }

    [Fact]
    public void Packets_further_back_than_the_history_are_too_old()
    {
        var rewriter = NewRewriter(historySize: 1024);
        for (int i = 0; i <= 2000; i++)
        {
            if (i is 900 or 1500) continue;
            Assert.Equal(RtpRewriteStatus.Forwarded, Forward(rewriter, LayerA, (ushort)i, 0, i, i == 0).Status);
        }
        AssertDropped(rewriter, LayerA, 900, 0, 3000, RtpRewriteStatus.TooOld);          // 1100 behind
        AssertDropped(rewriter, LayerA, 976, 0, 3000, RtpRewriteStatus.TooOld);          // exactly 1024 behind
        AssertDropped(rewriter, LayerA, 977, 0, 3000, RtpRewriteStatus.Duplicate);       // 1023 behind, already sent
        AssertForwarded(rewriter, LayerA, 1500, 0, 3000, InitialSeq + 1500, InitialTs);  // 500 behind, fills the gap
    }

    [Fact]
    public void Output_sequence_numbers_map_back_to_their_source_across_switches()
    {
        var rewriter = NewRewriter();
        var sent = new List<(ushort Output, uint Ssrc, ushort Seq, uint Ts)>();
        uint[] layers = [LayerA, LayerB, 0x33333333];
        long now = 0;
        for (int round = 0; round < 10; round++)
        {
            uint ssrc = layers[round % 3];
            for (int i = 0; i < 500; i++, now += 1000)
            {
                ushort seq = (ushort)(round * 7919 + i);
                uint ts = (uint)(round * 1_000_003 + i / 4 * 3000);
                byte[] packet = Rtp(ssrc, seq, ts);
                if (i == 250) continue;                                              // lost upstream
                Assert.Equal(RtpRewriteStatus.Forwarded, rewriter.TryRewrite(packet, now, i == 0, out ushort output));
                sent.Add((output, ssrc, seq, Ts(packet)));
            }
        }
        for (int k = 0; k < sent.Count; k++)
        {
            var (output, ssrc, seq, ts) = sent[k];
            bool recent = (ushort)(rewriter.LastSequenceNumber - output) < rewriter.HistorySize;
            Assert.Equal(recent, rewriter.TryMapOutputSequence(output, out uint mappedSsrc, out ushort mappedSeq, out uint mappedTs));
            if (recent) Assert.Equal((ssrc, seq, ts), (mappedSsrc, mappedSeq, mappedTs));
        }
        Assert.Equal(1022, sent.Count(s => (ushort)(rewriter.LastSequenceNumber - s.Output) < 1024));   // one lost in each of the last two rounds
        Assert.False(rewriter.TryMapOutputSequence((ushort)(rewriter.LastSequenceNumber - 249), out _, out _, out _));
        Assert.False(rewriter.TryMapOutputSequence((ushort)(rewriter.LastSequenceNumber + 1), out _, out _, out _));
    }

    [Fact]
    public void Mapping_survives_wraps_in_a_segment_longer_than_the_sequence_space()
    {
        var rewriter = NewRewriter(initialSeq: 60_000);
        const int count = 140_000;                  // more than 2 × 65536: the segment start must never look newer
        for (int n = 0; n < count; n++)
        {
            // 0, 2, 1, 4, 3, …: every other packet arrives one late.
            int i = n % 2 == 1 && n + 1 < count ? n + 1 : n % 2 == 0 && n > 0 ? n - 1 : n;
            byte[] packet = Rtp(LayerA, (ushort)(30_000 + i), (uint)(i / 3) * 3000u, payloadLength: 0);
            Assert.Equal(RtpRewriteStatus.Forwarded, rewriter.TryRewrite(packet, n, n == 0, out ushort output));
            Assert.Equal((ushort)(60_000 + i), output);
        }
        Assert.Equal(unchecked((ushort)(60_000 + count - 1)), rewriter.LastSequenceNumber);
        for (int back = 0; back < 1100; back++)
        {
            int i = count - 1 - back;
            bool found = rewriter.TryMapOutputSequence((ushort)(60_000 + i), out uint ssrc, out ushort seq, out uint ts);
            Assert.Equal(back < rewriter.HistorySize, found);
            if (found) Assert.Equal((LayerA, (ushort)(30_000 + i), unchecked(InitialTs + (uint)(i / 3) * 3000u)), (ssrc, seq, ts));
        }
    }

    [Fact]
    public void An_output_number_from_a_previous_sequence_cycle_does_not_map()
    {
        // The source jumps by large steps through a full 16-bit cycle: output InitialSeq comes round again unsent.
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 5, 0, 0, InitialSeq, InitialTs, switchPoint: true);
        AssertForwarded(rewriter, LayerA, 30_000, 0, 1, InitialSeq + 29_995, InitialTs);
        AssertForwarded(rewriter, LayerA, 60_000, 0, 2, unchecked((ushort)(InitialSeq + 59_995)), InitialTs);
        AssertForwarded(rewriter, LayerA, 4, 0, 3, InitialSeq - 1, InitialTs);                // +5540, forward
        Assert.False(rewriter.TryMapOutputSequence(InitialSeq, out _, out _, out _));
        AssertForwarded(rewriter, LayerA, 5, 0, 4, InitialSeq, InitialTs);                    // new, not a duplicate
    }

    [Fact]
    public void Long_pauses_step_the_timestamp_by_less_than_half_the_clock_space()
    {
        var rewriter = NewRewriter();
        AssertForwarded(rewriter, LayerA, 1, 0, 0, InitialSeq, InitialTs, switchPoint: true);
        rewriter.Resync();
        long tenHours = 36_000L * Frequency;                    // 3.24e9 ticks at 90 kHz: would read as backwards
        AssertForwarded(rewriter, LayerA, 9, 0, tenHours, InitialSeq + 1, InitialTs + (uint)int.MaxValue, switchPoint: true);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "shorter than the fixed header", new byte[11] },
        { "version 1",                     Convert.FromHexString("4060000100000000DEADBEEF") },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_packets_are_rejected(string name, byte[] packet)
    {
        Assert.NotNull(name);
        Assert.Equal(RtpRewriteStatus.Malformed, NewRewriter().TryRewrite(packet, 0, true, out _));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1000)]
    [InlineData(65_536)]
    public void History_size_must_be_a_power_of_two_in_range(int historySize)
        => Assert.Throws<ArgumentOutOfRangeException>(() => NewRewriter(historySize: historySize));
}
