namespace Conclave.Sfu.Speakers;

/// <summary>
/// Tuning of <see cref="ActiveSpeakerDetector{TId}"/>. The defaults suit browsers sending 20 ms Opus packets with
/// RFC 6464 audio levels; <see cref="ActiveSpeakerDetector{TId}"/> describes how each value is used.
/// </summary>
public sealed record ActiveSpeakerOptions
{
    /// <summary>Time constant of the short activity average ("speaking now").</summary>
    public TimeSpan ShortWindow { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Time constant of the medium activity average ("has been speaking").</summary>
    public TimeSpan MediumWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a challenger must stay clearly more active than the dominant speaker to take over.</summary>
    public TimeSpan SwitchDelay { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long one level sample stands for the audio after it (the packet time, with jitter to spare);
    /// after that a speaker without packets (muted, DTX, loss) counts as silent.</summary>
    public TimeSpan SampleHold { get; init; } = TimeSpan.FromMilliseconds(60);

    /// <summary>The quietest level, in -dBov (RFC 6464 §3: 0 loudest, 127 silence), that counts as speech.</summary>
    public int SpeechLevel { get; init; } = 60;

    /// <summary>Levels at or above this loudness (-dBov) count as full activity; between it and
    /// <see cref="SpeechLevel"/> activity scales linearly.</summary>
    public int FullActivityLevel { get; init; } = 30;

    /// <summary>dB a sample must rise above the speaker's noise floor to count, so steady background noise never does.</summary>
    public int NoiseMargin { get; init; } = 10;

    /// <summary>dB per second the noise floor may rise; it falls to any quieter sample at once.</summary>
    public double NoiseFloorRise { get; init; } = 5;

    /// <summary>Short activity (0..1) at which a speaker counts as speaking, for the UI and for challenging.</summary>
    public double SpeakingThreshold { get; init; } = 0.3;

    /// <summary>Medium activity (0..1) a speaker needs to become dominant.</summary>
    public double MinActivity { get; init; } = 0.2;

    /// <summary>A challenger's medium activity must be at least this multiple of the dominant speaker's.</summary>
    public double TakeoverRatio { get; init; } = 1.2;

    /// <summary>
    /// Trust the RFC 6464 §3 V bit: a packet with V = 0 is not speech. Turn this off for a peer that negotiated
    /// <c>vad=off</c> (RFC 6464 §4), whose V bit carries no meaning.
    /// </summary>
    public bool UseVoiceActivityFlag { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ShortWindow, TimeSpan.Zero, nameof(ShortWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MediumWindow, ShortWindow, nameof(MediumWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(SwitchDelay, TimeSpan.Zero, nameof(SwitchDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SampleHold, TimeSpan.Zero, nameof(SampleHold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SpeechLevel, 127, nameof(SpeechLevel));
        ArgumentOutOfRangeException.ThrowIfNegative(FullActivityLevel, nameof(FullActivityLevel));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(FullActivityLevel, SpeechLevel, nameof(FullActivityLevel));
        ArgumentOutOfRangeException.ThrowIfNegative(NoiseMargin, nameof(NoiseMargin));
        ArgumentOutOfRangeException.ThrowIfNegative(NoiseFloorRise, nameof(NoiseFloorRise));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SpeakingThreshold, 0, nameof(SpeakingThreshold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SpeakingThreshold, 1, nameof(SpeakingThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MinActivity, 0, nameof(MinActivity));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinActivity, 1, nameof(MinActivity));
        ArgumentOutOfRangeException.ThrowIfLessThan(TakeoverRatio, 1, nameof(TakeoverRatio));
    }
}
