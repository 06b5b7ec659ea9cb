using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

/// <summary>
/// Seeded random simulcast sessions (three layers, keyframes, layer switches, pauses, upstream loss, jitter,
/// reordering, duplicates, very late packets) checked packet by packet against an oracle that works on unwrapped
/// source indexes instead of the rewriter's 16-bit arithmetic and history ring.
/// </summary>
public sealed class RtpStreamRewriterPropertyTests
{
    private const int HistorySize = 64;             // small, so that 2 s late packets fall out of it
    private const int Frames = 1500;                // 50 s at 30 fps
    private const long FrameInterval = 33_333;

    private readonly record struct Delivery(uint Ssrc, ushort Seq, long Index, uint Ts, bool SwitchPoint, long Arrival);

    [Fact]
    public void Output_stays_continuous_under_random_switches_pauses_and_impairments()
    {
        var seen = new Dictionary<RtpRewriteStatus, int>();
        int segments = 0;
        for (int seed = 1; seed <= 20; seed++) segments += RunSession(seed, seen);

        Assert.True(segments > 100, $"only {segments} segments");
        foreach (var status in (RtpRewriteStatus[])[RtpRewriteStatus.Forwarded, RtpRewriteStatus.AwaitingSwitchPoint,
                     RtpRewriteStatus.Stale, RtpRewriteStatus.TooOld, RtpRewriteStatus.Duplicate])
            Assert.True(seen.GetValueOrDefault(status) > 0, $"{status} never exercised");
    }

    private static int RunSession(int seed, Dictionary<RtpRewriteStatus, int> seen)
    {
        var rng = new Random(seed);
        uint[] layers = [0x1000u + (uint)seed, 0x2000u + (uint)seed, 0x3000u + (uint)seed];
        ushort initialSeq = (ushort)(65_000 + rng.Next(500));          // the output wraps during the session
        uint initialTs = uint.MaxValue - (uint)rng.Next(1_000_000);    // and so does its timestamp
        var rewriter = new RtpStreamRewriter(0xABCD0000u + (uint)seed, VideoClockRate, Frequency, initialSeq, initialTs, HistorySize);
        var oracle = new Oracle(initialSeq, initialTs);
        var emitted = new Dictionary<ushort, (uint Ssrc, ushort Seq, uint Ts)>();
        List<Delivery> deliveries = Generate(rng, layers);

        int target = 0;
        bool paused = false;
        long nextControl = 0;
        int segments = 0;
        foreach (var p in deliveries)
        {
            while (p.Arrival >= nextControl)                           // the caller's decisions, between packets
            {
                if (paused) paused = false;
                else if (rng.Next(4) == 0)
                {
                    paused = true;
                    rewriter.Resync();
                    oracle.Open = false;
                }
                else target = rng.Next(layers.Length);
                nextControl += rng.Next(300_000, 2_000_000);
            }
            if (paused) continue;

            bool current = rewriter.IsSynchronized && p.Ssrc == rewriter.SourceSsrc;
            bool stray = !current && p.Ssrc != layers[target] && rng.Next(50) == 0;
            if (!current && p.Ssrc != layers[target] && !stray) continue;
            bool switchPoint = p.SwitchPoint && !stray;

            byte[] packet = Rtp(p.Ssrc, p.Seq, p.Ts, payloadLength: 8);
            byte[] original = (byte[])packet.Clone();
            bool opens = !oracle.Open || p.Ssrc != oracle.Ssrc;
            var expected = oracle.Apply(p, switchPoint, out ushort expectedSeq, out uint expectedTs);
            var status = rewriter.TryRewrite(packet, p.Arrival, switchPoint, out ushort output);

            Assert.Equal(expected, status);
            seen[status] = seen.GetValueOrDefault(status) + 1;
            if (status == RtpRewriteStatus.Duplicate) Assert.Equal(expectedSeq, output);
            if (status != RtpRewriteStatus.Forwarded)
            {
                Assert.Equal(original, packet);
                continue;
            }
            if (opens) segments++;
            Assert.Equal(expectedSeq, output);
            Assert.Equal(expectedSeq, Seq(packet));
            Assert.Equal(expectedTs, Ts(packet));
            Assert.Equal(rewriter.OutputSsrc, Ssrc(packet));
            Assert.True(emitted.TryAdd(output, (p.Ssrc, p.Seq, expectedTs)), $"output {output} sent twice");
            Assert.Equal(oracle.Last, rewriter.LastSequenceNumber);
            Assert.Equal(oracle.HighestTs, rewriter.HighestTimestamp);
        }

        // Every output number of the last HistorySize maps back to its source exactly when it was sent.
        for (int back = 0; back < HistorySize; back++)
        {
            ushort o = (ushort)(rewriter.LastSequenceNumber - back);
            bool sent = emitted.TryGetValue(o, out var source);
            Assert.Equal(sent, rewriter.TryMapOutputSequence(o, out uint ssrc, out ushort seq, out uint ts));
            if (sent) Assert.Equal(source, (ssrc, seq, ts));
        }
        return segments;
    }

    // Three layers of 1–3 packets per frame; 2 % lost upstream, 3 % duplicated, 5 % delayed into later frames,
    // 0.4 % delayed by 2 s. Layer 0 starts just below the sequence and timestamp wraps.
    private static List<Delivery> Generate(Random rng, uint[] layers)
    {
        var all = new List<Delivery>();
        for (int layer = 0; layer < layers.Length; layer++)
        {
            ushort seqBase = layer == 0 ? (ushort)65_500 : (ushort)rng.Next(65_536);
            uint tsBase = layer == 0 ? uint.MaxValue - 10_000 : (uint)rng.Next();
            long index = 0;
            for (int frame = 0; frame < Frames; frame++)
            {
                bool keyframe = frame % 90 == 0 || rng.NextDouble() < 0.04;
                int packets = 1 + rng.Next(3);
                for (int k = 0; k < packets; k++, index++)
                {
                    if (rng.NextDouble() < 0.02) continue;
                    var p = new Delivery(layers[layer], (ushort)(seqBase + index), index, unchecked(tsBase + 3000u * (uint)frame),
                        keyframe && k == 0, frame * FrameInterval + rng.Next(3000));
                    all.Add(Delay(rng, p));
                    if (rng.NextDouble() < 0.03) all.Add(Delay(rng, p with { Arrival = p.Arrival + rng.Next(100_000) }));
                }
            }
        }
        // Stable by arrival, as a socket would deliver them.
        return [.. all.Select((d, i) => (d, i)).OrderBy(x => x.d.Arrival).ThenBy(x => x.i).Select(x => x.d)];
    }

    private static Delivery Delay(Random rng, Delivery p)
    {
        double r = rng.NextDouble();
        long extra = r < 0.004 ? 2_000_000 : r < 0.054 ? rng.Next(20_000, 80_000) : 0;
        return p with { Arrival = p.Arrival + extra };
    }

    /// <summary>The rewriting rules restated on unwrapped source indexes and plain sets.</summary>
    private sealed class Oracle(ushort initialSeq, uint initialTs)
    {
        private readonly HashSet<long> _forwarded = [];    // source indexes sent in the open segment
        private bool _any;
        private long _startIndex;
        private long _highestIndex;
        private ushort _startOutput;
        private uint _tsOffset;
        private long _highestTsArrival;

        public bool Open;
        public uint Ssrc;
        public ushort Last = (ushort)(initialSeq - 1);
        public uint HighestTs = initialTs;

        public RtpRewriteStatus Apply(Delivery p, bool switchPoint, out ushort seq, out uint ts)
        {
            seq = 0;
            ts = 0;
            if (!Open || p.Ssrc != Ssrc)
            {
                if (!switchPoint) return RtpRewriteStatus.AwaitingSwitchPoint;
                seq = (ushort)(Last + 1);
                ts = _any ? HighestTs + Step(p.Arrival - _highestTsArrival) : HighestTs;
                (Open, _any, Ssrc) = (true, true, p.Ssrc);
                (_startIndex, _highestIndex, _startOutput, _tsOffset) = (p.Index, p.Index, seq, ts - p.Ts);
                _forwarded.Clear();
            }
            else
            {
                if (p.Index < _startIndex) return RtpRewriteStatus.Stale;
                if (p.Index <= _highestIndex - HistorySize) return RtpRewriteStatus.TooOld;
                seq = (ushort)(_startOutput + (p.Index - _startIndex));
                if (_forwarded.Contains(p.Index)) return RtpRewriteStatus.Duplicate;
                ts = p.Ts + _tsOffset;
                _highestIndex = Math.Max(_highestIndex, p.Index);
            }
            _forwarded.Add(p.Index);
            Last = (ushort)(_startOutput + (_highestIndex - _startIndex));
            if ((int)(ts - HighestTs) >= 0)
            {
                HighestTs = ts;
                _highestTsArrival = p.Arrival;
            }
            return RtpRewriteStatus.Forwarded;
        }

        private static uint Step(long elapsedMicroseconds)
            => elapsedMicroseconds <= 0 ? 1 : (uint)Math.Clamp(elapsedMicroseconds * VideoClockRate / Frequency, 1, int.MaxValue);
    }
}
