namespace Conclave.Sfu.Speakers;

/// <summary>
/// One speaker's activity signal (not thread-safe; <see cref="ActiveSpeakerDetector{TId}"/> locks around it).
/// Each RFC 6464 level becomes an activity in 0..1, held for up to <see cref="ActiveSpeakerOptions.SampleHold"/>
/// and followed by silence, and two exponential averages (short, medium) integrate that piecewise-constant input
/// exactly, so irregular packet times, DTX gaps and loss need no special cases.
/// </summary>
internal sealed class SpeakerActivityTracker
{
    private const byte Silence = 127;   // RFC 6464 §3: 127 is -127 dBov, digital silence

    private readonly double _shortWindowMs;
    private readonly double _mediumWindowMs;
    private readonly double _holdMs;
    private readonly double _noiseFloorRisePerMs;
    private readonly int _speechLevel;
    private readonly double _activityRange;
    private readonly int _noiseMargin;
    private readonly bool _useVoiceActivityFlag;

    private bool _hasSample;
    private long _lastSampleMs;
    private byte _lastLevel = Silence;
    private double _input;          // activity of the last sample
    private double _short;          // averages at _lastSampleMs
    private double _medium;
    private double _noiseFloor;     // loudness (127 - level, dB) of the quietest recent sample

    public SpeakerActivityTracker(ActiveSpeakerOptions options)
    {
        _shortWindowMs = options.ShortWindow.TotalMilliseconds;
        _mediumWindowMs = options.MediumWindow.TotalMilliseconds;
        _holdMs = options.SampleHold.TotalMilliseconds;
        _noiseFloorRisePerMs = options.NoiseFloorRise / 1000;
        _speechLevel = options.SpeechLevel;
        _activityRange = options.SpeechLevel - options.FullActivityLevel;
        _noiseMargin = options.NoiseMargin;
        _useVoiceActivityFlag = options.UseVoiceActivityFlag;
    }

    public void OnSample(byte level, bool voiceActivity, long timestampMs)
    {
        level = Math.Min(level, Silence);
        double loudness = Silence - level;
        if (!_hasSample)
        {
            _hasSample = true;
            _noiseFloor = loudness;
            _lastSampleMs = timestampMs;
        }
        else
        {
            long elapsed = Math.Max(0, timestampMs - _lastSampleMs);   // a late packet counts at the latest time
            Advance(elapsed, out _short, out _medium);
            _noiseFloor = Math.Min(loudness, _noiseFloor + _noiseFloorRisePerMs * elapsed);
            _lastSampleMs += elapsed;
        }
        _lastLevel = level;
        _input = Activity(level, voiceActivity, loudness);
    }

    public SpeakerActivity Query(long nowMs, double speakingThreshold)
    {
        if (!_hasSample) return new SpeakerActivity(Silence, false, 0, 0);
        long elapsed = Math.Max(0, nowMs - _lastSampleMs);
        Advance(elapsed, out double shortActivity, out double mediumActivity);
        byte level = elapsed <= _holdMs ? _lastLevel : Silence;
        return new SpeakerActivity(level, shortActivity >= speakingThreshold, shortActivity, mediumActivity);
    }

    // Activity of one sample: none without voice (RFC 6464 §3 V bit) or within NoiseMargin of the noise floor, else
    // rising linearly from SpeechLevel to FullActivityLevel.
    private double Activity(byte level, bool voiceActivity, double loudness)
    {
        if (_useVoiceActivityFlag && !voiceActivity) return 0;
        if (loudness - _noiseFloor < _noiseMargin) return 0;
        return Math.Clamp((_speechLevel - level) / _activityRange, 0, 1);
    }

    // Averages elapsedMs after the last sample: its activity held for up to SampleHold, then silence.
    private void Advance(long elapsedMs, out double shortActivity, out double mediumActivity)
    {
        double held = Math.Min(elapsedMs, _holdMs);
        double silent = elapsedMs - held;
        shortActivity = Integrate(_short, _input, held, silent, _shortWindowMs);
        mediumActivity = Integrate(_medium, _input, held, silent, _mediumWindowMs);
    }

    // First-order low-pass with time constant tau, exact for a constant input over each interval.
    private static double Integrate(double average, double input, double heldMs, double silentMs, double tauMs)
        => (input + (average - input) * Math.Exp(-heldMs / tauMs)) * Math.Exp(-silentMs / tauMs);
}
