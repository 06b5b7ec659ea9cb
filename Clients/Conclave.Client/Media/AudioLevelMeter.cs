namespace Conclave.Client.Media;

/// <summary>The RFC 6464 audio level of a PCM frame: its RMS in -dBov (RFC 6464 §3: 0 is the loudest a 16-bit
/// signal can be, 127 is -127 dBov or quieter, digital silence included), and whether it is voice.</summary>
public static class AudioLevelMeter
{
    /// <summary>The level RFC 6464 gives silence (-127 dBov).</summary>
    public const byte Silence = 127;

    /// <summary>Frames at or above this loudness (−50 dBov) are marked as voice (the V bit, RFC 6464 §3).</summary>
    public const byte VoiceThreshold = 50;

    /// <summary>RFC 6464 §3: the level, 0–127, as -dBov of the frame's RMS relative to a full-scale 16-bit signal.</summary>
    public static byte Measure(ReadOnlySpan<short> pcm)
    {
        if (pcm.IsEmpty) return Silence;
        double sum = 0;
        foreach (short s in pcm) sum += (double)s * s;
        double rms = Math.Sqrt(sum / pcm.Length);
        if (rms <= 0) return Silence;
        double dbov = 20 * Math.Log10(rms / short.MaxValue);
        return (byte)Math.Clamp((int)Math.Round(-dbov), 0, Silence);
    }

    /// <summary>The V bit for <paramref name="level"/>: loud enough to be someone speaking.</summary>
    public static bool IsVoice(byte level) => level <= VoiceThreshold;
}
