namespace Conclave.Sfu.Speakers;

/// <summary>A speaker's state for a UI "speaking" indicator, from <see cref="ActiveSpeakerDetector{TId}.TryGetActivity"/>.</summary>
/// <param name="Level">Last RFC 6464 level in -dBov (0 loudest, 127 silence); 127 once no packet is recent.</param>
/// <param name="IsSpeaking">Short activity is at or above <see cref="ActiveSpeakerOptions.SpeakingThreshold"/>.</param>
/// <param name="ShortActivity">Smoothed activity over <see cref="ActiveSpeakerOptions.ShortWindow"/>, 0..1.</param>
/// <param name="MediumActivity">Smoothed activity over <see cref="ActiveSpeakerOptions.MediumWindow"/>, 0..1.</param>
public readonly record struct SpeakerActivity(byte Level, bool IsSpeaking, double ShortActivity, double MediumActivity);
