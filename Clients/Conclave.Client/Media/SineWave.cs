namespace Conclave.Client.Media;

/// <summary>A continuous sine tone at 48 kHz, for tests and announcements: <see cref="Fill"/> is an
/// <see cref="AudioFrameSource"/> that never ends.</summary>
public sealed class SineWave
{
    private readonly double _step;
    private readonly double _amplitude;
    private double _phase;

    /// <summary>A tone of <paramref name="frequency"/> Hz at <paramref name="amplitude"/> of full scale (0–1).</summary>
    public SineWave(double frequency, double amplitude = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frequency, OpusAudioSender.SampleRate / 2.0);
        ArgumentOutOfRangeException.ThrowIfNegative(amplitude);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amplitude, 1.0);
        _step = 2 * Math.PI * frequency / OpusAudioSender.SampleRate;
        _amplitude = amplitude * short.MaxValue;
    }

    /// <summary>Writes the next samples of the tone, continuing its phase; always true.</summary>
    public bool Fill(Span<short> frame)
    {
        for (int i = 0; i < frame.Length; i++)
        {
            frame[i] = (short)Math.Round(_amplitude * Math.Sin(_phase));
            _phase += _step;
            if (_phase >= 2 * Math.PI) _phase -= 2 * Math.PI;
        }
        return true;
    }
}
