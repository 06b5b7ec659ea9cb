using Conclave.Sfu.Speakers;

namespace Conclave.Sfu.Tests.Speakers;

/// <summary>
/// Synthetic calls: every speaker sends a 20 ms packet with an RFC 6464 level (as a browser does with DTX off),
/// and the detector is evaluated every 100 ms like the lead's timer.
/// </summary>
public class ActiveSpeakerDetectorTests
{
    private const long Origin = 5_000_000;   // timestamps need not start at zero
    private const int PacketMs = 20;
    private const int EvaluateEveryMs = 100;

    public enum Sound
    {
        Silence,    // level 127, V = 1
        Speech,     // syllables at -22..-38 dBov between short dips to -65..-85, V = 1
        Noise,      // steady background at NoiseLevel ±2 dBov, V = 1
        Unvoiced,   // loud levels with V = 0 (DTX / comfort noise frames)
        Absent,     // no packets at all (muted, DTX, network gap)
    }

    private sealed record Segment(long FromMs, long ToMs, Sound Sound);

    /// <summary>One participant's script; outside its segments it sends silence.</summary>
    private sealed class Voice(string id, int seed, params Segment[] segments)
    {
        private readonly Random _random = new(seed);
        private long _phaseEndMs;
        private bool _syllable;
        private byte _level;

        public string Id => id;
        public byte NoiseLevel { get; init; } = 50;

        public bool TryGetPacket(long t, out byte level, out bool voice)
        {
            var sound = Sound.Silence;
            foreach (var s in segments)
                if (t >= s.FromMs && t < s.ToMs) sound = s.Sound;
            voice = sound != Sound.Unvoiced;
            level = 127;
            switch (sound)
            {
                case Sound.Absent:
                    return false;
                case Sound.Speech:
                    if (t >= _phaseEndMs)
                    {
                        _syllable = !_syllable;
                        _phaseEndMs = t + (_syllable ? _random.Next(120, 260) : _random.Next(40, 120));
                        _level = (byte)(_syllable ? _random.Next(22, 39) : _random.Next(65, 86));
                    }
                    level = _level;
                    break;
                case Sound.Noise:
                    level = (byte)(NoiseLevel + _random.Next(-2, 3));
                    break;
                case Sound.Unvoiced:
                    level = 30;
                    break;
            }
            return true;
        }
    }

    private static List<(long AtMs, string? Speaker)> Run(ActiveSpeakerDetector<string> detector, long durationMs,
        Voice[] voices, Action<long>? onTick = null)
    {
        foreach (var v in voices) Assert.True(detector.AddSpeaker(v.Id));
        var changes = new List<(long, string?)>();
        for (long t = 0; t < durationMs; t += PacketMs)
        {
            foreach (var v in voices)
                if (v.TryGetPacket(t, out byte level, out bool voice)) detector.OnAudioLevel(v.Id, level, voice, Origin + t);
            if (t % EvaluateEveryMs != 0) continue;
            onTick?.Invoke(t);
            var result = detector.Evaluate(Origin + t);
            Assert.Equal(result.HasSpeaker, result.SpeakerId is not null);
            if (result.Changed) changes.Add((t, result.SpeakerId));
        }
        return changes;
    }

    [Fact]
    public void A_single_speaker_becomes_dominant_quickly_and_keeps_the_role_through_pauses()
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 12_000,
        [
            new Voice("alice", 1, new Segment(1000, 4000, Sound.Speech), new Segment(4800, 7000, Sound.Speech), new Segment(8500, 12_000, Sound.Speech)),
            new Voice("bob", 2),
            new Voice("carol", 3),
        ]);
        var (at, speaker) = Assert.Single(changes);
        Assert.Equal("alice", speaker);
        Assert.InRange(at, 1100, 1600);
    }

    [Theory]
    [InlineData(Sound.Silence)]
    [InlineData(Sound.Absent)]
    public void The_floor_hands_over_when_another_speaker_takes_it(Sound afterwards)
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 12_000,
        [
            new Voice("alice", 1, new Segment(0, 5000, Sound.Speech), new Segment(5000, 12_000, afterwards)),
            new Voice("bob", 2, new Segment(5000, 12_000, Sound.Speech)),
        ]);
        Assert.Equal(2, changes.Count);
        Assert.Equal("alice", changes[0].Speaker);
        Assert.Equal("bob", changes[1].Speaker);
        Assert.InRange(changes[1].AtMs, 5500, 6500);
    }

    [Fact]
    public void Short_turns_take_over_from_a_speaker_who_fell_silent()
    {
        // Bob speaks in 300 ms turns, shorter than the switch delay, once Alice is silent.
        var bobTurns = Enumerable.Range(0, 10).Select(i => new Segment(4000 + i * 600, 4300 + i * 600, Sound.Speech)).ToArray();
        var changes = Run(new ActiveSpeakerDetector<string>(), 10_000,
        [
            new Voice("alice", 1, new Segment(0, 3000, Sound.Speech)),
            new Voice("bob", 2, bobTurns),
        ]);
        Assert.Equal(["alice", "bob"], changes.Select(c => c.Speaker));
    }

    [Fact]
    public void Short_interjections_do_not_switch()
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 14_000,
        [
            // Alice talks throughout, with one 700 ms pause.
            new Voice("alice", 1, new Segment(0, 8000, Sound.Speech), new Segment(8700, 14_000, Sound.Speech)),
            // Bob: "yes" and "right" over her, then 500 ms into her pause.
            new Voice("bob", 2, new Segment(3000, 3400, Sound.Speech), new Segment(6000, 6500, Sound.Speech), new Segment(8100, 8600, Sound.Speech)),
            // Carol: a 600 ms remark over her.
            new Voice("carol", 3, new Segment(11_000, 11_600, Sound.Speech)),
        ]);
        var (_, speaker) = Assert.Single(changes);
        Assert.Equal("alice", speaker);
    }

    [Fact]
    public void Silence_noise_and_unvoiced_packets_never_take_over()
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 12_000,
        [
            new Voice("alice", 1, new Segment(0, 3000, Sound.Speech)),            // then silent for 9 s
            new Voice("bob", 2),                                                  // silence
            new Voice("carol", 3, new Segment(0, 12_000, Sound.Noise)) { NoiseLevel = 45 },   // a fan at -45 dBov
            new Voice("dave", 4, new Segment(2000, 12_000, Sound.Unvoiced)),      // loud, V = 0
            new Voice("erin", 5, new Segment(2000, 12_000, Sound.Absent)),         // muted
        ]);
        var (_, speaker) = Assert.Single(changes);
        Assert.Equal("alice", speaker);
    }

    [Fact]
    public void Nobody_speaking_means_no_dominant_speaker()
    {
        var detector = new ActiveSpeakerDetector<string>();
        var changes = Run(detector, 5000, [new Voice("alice", 1), new Voice("bob", 2, new Segment(0, 5000, Sound.Noise))]);
        Assert.Empty(changes);
        Assert.False(detector.Evaluate(Origin + 5000).HasSpeaker);
    }

    [Fact]
    public void Speech_over_steady_background_noise_still_counts()
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 10_000,
        [
            new Voice("alice", 1, new Segment(0, 3000, Sound.Speech)),
            new Voice("carol", 3, new Segment(0, 5000, Sound.Noise), new Segment(5000, 10_000, Sound.Speech)) { NoiseLevel = 70 },
        ]);
        Assert.Equal(["alice", "carol"], changes.Select(c => c.Speaker));
    }

    [Fact]
    public void Crosstalk_at_equal_activity_does_not_flap()
    {
        var changes = Run(new ActiveSpeakerDetector<string>(), 15_000,
        [
            new Voice("alice", 1, new Segment(0, 15_000, Sound.Speech)),
            new Voice("bob", 2, new Segment(0, 15_000, Sound.Speech)),
        ]);
        Assert.Single(changes);
    }

    [Fact]
    public void A_dominant_speaker_who_leaves_releases_the_role()
    {
        var detector = new ActiveSpeakerDetector<string>();
        var changes = Run(detector, 9000,
        [
            new Voice("alice", 1, new Segment(0, 9000, Sound.Speech)),
            new Voice("bob", 2, new Segment(1000, 9000, Sound.Speech)),
        ],
        t =>
        {
            if (t == 5000) Assert.True(detector.RemoveSpeaker("alice"));
        });
        Assert.Equal("alice", changes[0].Speaker);
        Assert.Equal((5000L, "bob"), changes[1]);
        Assert.Equal(2, changes.Count);
    }

    [Fact]
    public void The_last_speaker_leaving_reports_no_dominant_speaker()
    {
        var detector = new ActiveSpeakerDetector<string>();
        var changes = Run(detector, 4000, [new Voice("alice", 1, new Segment(0, 2000, Sound.Speech)), new Voice("bob", 2)]);
        Assert.Equal("alice", Assert.Single(changes).Speaker);
        Assert.True(detector.RemoveSpeaker("alice"));
        Assert.False(detector.RemoveSpeaker("alice"));
        var result = detector.Evaluate(Origin + 4000);
        Assert.Equal(new DominantSpeakerResult<string>(false, null, true), result);
        Assert.False(detector.Evaluate(Origin + 4100).Changed);
    }

    [Fact]
    public void Activity_drives_a_speaking_indicator()
    {
        var detector = new ActiveSpeakerDetector<string>();
        Assert.True(detector.AddSpeaker("alice"));
        Assert.False(detector.AddSpeaker("alice"));
        Assert.True(detector.TryGetActivity("alice", Origin, out var idle));
        Assert.Equal(new SpeakerActivity(127, false, 0, 0), idle);

        // Syllables at -25 dBov with dips to -80 (a perfectly steady level is indistinguishable from noise).
        for (long t = 0; t < 1000; t += PacketMs) detector.OnAudioLevel("alice", Syllables(t), true, Origin + t);
        Assert.True(detector.TryGetActivity("alice", Origin + 990, out var speaking));
        Assert.Equal(80, speaking.Level);   // the last packet fell in a dip; the indicator stays on
        Assert.True(speaking.IsSpeaking);
        Assert.InRange(speaking.ShortActivity, 0.6, 1);
        Assert.InRange(speaking.MediumActivity, 0.3, 1);   // ~70 % duty over a 1 s window after 1 s

        // No packets for a second (muted): the level reads as silence and the indicator goes off.
        Assert.True(detector.TryGetActivity("alice", Origin + 2000, out var muted));
        Assert.Equal(127, muted.Level);
        Assert.False(muted.IsSpeaking);
        Assert.True(muted.MediumActivity < speaking.MediumActivity);

        Assert.False(detector.OnAudioLevel("zed", 10, true, Origin));
        Assert.False(detector.TryGetActivity("zed", Origin, out _));
    }

    // 140 ms at -25 dBov, 60 ms at -80: the last packet of every 200 ms is in a dip.
    private static byte Syllables(long t) => (byte)(t % 200 < 140 ? 25 : 80);

    [Fact]
    public void Voice_activity_flag_can_be_ignored_for_vad_off_peers()
    {
        var detector = new ActiveSpeakerDetector<string>(new ActiveSpeakerOptions { UseVoiceActivityFlag = false });
        detector.AddSpeaker("alice");
        for (long t = 0; t < 1000; t += PacketMs) detector.OnAudioLevel("alice", Syllables(t), false, Origin + t);
        var result = detector.Evaluate(Origin + 1000);
        Assert.True(result.HasSpeaker);
        Assert.Equal("alice", result.SpeakerId);
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActiveSpeakerDetector<string>(new ActiveSpeakerOptions { TakeoverRatio = 0.9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActiveSpeakerDetector<string>(new ActiveSpeakerOptions { FullActivityLevel = 60 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActiveSpeakerDetector<string>(new ActiveSpeakerOptions { MediumWindow = TimeSpan.FromMilliseconds(100) }));
    }

    private readonly record struct ProducerId(int Value);

    [Fact]
    public void Feeding_levels_and_evaluating_do_not_allocate()
    {
        var detector = new ActiveSpeakerDetector<ProducerId>();
        for (int i = 0; i < 8; i++) detector.AddSpeaker(new ProducerId(i));
        long t = Origin;
        Feed(detector, ref t);   // warm-up: the first run also pays for JIT (on-stack replacement of the loop)
        long before = GC.GetAllocatedBytesForCurrentThread();
        Feed(detector, ref t);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(detector.Evaluate(t).HasSpeaker);
    }

    // 10k packets from each of 8 speakers (one talking), evaluated every 100 ms.
    private static void Feed(ActiveSpeakerDetector<ProducerId> detector, ref long t)
    {
        for (int n = 0; n < 10_000; n++)
        {
            t += PacketMs;
            for (int i = 0; i < 8; i++) detector.OnAudioLevel(new ProducerId(i), i == 3 ? Syllables(t) : (byte)127, true, t);
            if (t % EvaluateEveryMs == 0) detector.Evaluate(t);
        }
    }
}
