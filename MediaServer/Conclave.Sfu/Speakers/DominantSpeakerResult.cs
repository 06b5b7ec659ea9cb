namespace Conclave.Sfu.Speakers;

/// <summary>Outcome of <see cref="ActiveSpeakerDetector{TId}.Evaluate"/>.</summary>
/// <param name="HasSpeaker">A dominant speaker exists (none before anyone spoke, or after the dominant one left).</param>
/// <param name="SpeakerId">The dominant speaker; default when <paramref name="HasSpeaker"/> is false.</param>
/// <param name="Changed">Differs from what the previous call returned: push a signaling event.</param>
public readonly record struct DominantSpeakerResult<TId>(bool HasSpeaker, TId? SpeakerId, bool Changed);
