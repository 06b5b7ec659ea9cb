namespace Conclave.Sfu.Speakers;

/// <summary>
/// Decides the dominant speaker of a call from the RFC 6464 audio levels of its audio producers, in the spirit of
/// "dominant speaker identification" (Volfin and Cohen, 2013; Jitsi's DominantSpeakerIdentification) but simpler:
/// <list type="number">
/// <item>Each level sample becomes an activity in 0..1 (<see cref="ActiveSpeakerOptions"/>): 0 without voice
/// (V bit), at or below <see cref="ActiveSpeakerOptions.SpeechLevel"/>, or within
/// <see cref="ActiveSpeakerOptions.NoiseMargin"/> dB of the speaker's noise floor (a minimum that follows quieter
/// samples at once and rises slowly, after Jitsi's per-speaker minimum level); 1 at
/// <see cref="ActiveSpeakerOptions.FullActivityLevel"/> or louder; linear in between.</item>
/// <item>Per speaker, exponential averages over a short (~250 ms, "speaking now") and a medium (~1 s, "has been
/// speaking") window. A speaker sending no packets decays as silence.</item>
/// <item>Without a dominant speaker, the speaker with the highest medium activity becomes dominant as soon as it is
/// speaking (short ≥ <see cref="ActiveSpeakerOptions.SpeakingThreshold"/>) and has medium activity ≥
/// <see cref="ActiveSpeakerOptions.MinActivity"/>; silence never qualifies.</item>
/// <item>A dominant speaker whose medium activity fell below <see cref="ActiveSpeakerOptions.MinActivity"/> (silent for
/// about a medium window) counts as none: the best qualifying speaker takes over at once.</item>
/// <item>Otherwise, a challenger takes over only if, for <see cref="ActiveSpeakerOptions.SwitchDelay"/> of consecutive
/// evaluations, it qualifies as above, its medium activity is ≥ <see cref="ActiveSpeakerOptions.TakeoverRatio"/>
/// times the dominant speaker's and its short activity is higher. Short interjections do not build enough medium
/// activity; a dominant speaker who falls silent stays dominant until someone else speaks.</item>
/// <item>A dominant speaker who leaves (<see cref="RemoveSpeaker"/>) releases the role at once.</item>
/// </list>
/// Thread-safe: <see cref="OnAudioLevel"/> runs on the receive path, <see cref="Evaluate"/> on a timer (every 100–200 ms).
/// Timestamps are milliseconds on one monotonic clock (e.g. <see cref="Environment.TickCount64"/>).
/// </summary>
/// <typeparam name="TId">The speaker (audio producer) id.</typeparam>
public sealed class ActiveSpeakerDetector<TId> where TId : notnull, IEquatable<TId>
{
    private readonly Lock _lock = new();
    private readonly ActiveSpeakerOptions _options;
    private readonly long _switchDelayMs;
    private readonly Dictionary<TId, SpeakerActivityTracker> _speakers = [];

    // Speakers are compared by tracker reference: one tracker per AddSpeaker, so no TId equality is needed here.
    private SpeakerActivityTracker? _dominant;
    private TId? _dominantId;
    private SpeakerActivityTracker? _reported;     // what the last Evaluate returned
    private SpeakerActivityTracker? _challenger;
    private long _challengeSinceMs;

    /// <summary>Creates a detector with <paramref name="options"/>, or the defaults.</summary>
    public ActiveSpeakerDetector(ActiveSpeakerOptions? options = null)
    {
        _options = options ?? new ActiveSpeakerOptions();
        _options.Validate();
        _switchDelayMs = (long)_options.SwitchDelay.TotalMilliseconds;
    }

    /// <summary>Starts tracking a speaker; false if it is already tracked.</summary>
    public bool AddSpeaker(TId id)
    {
        lock (_lock)
        {
            return _speakers.TryAdd(id, new SpeakerActivityTracker(_options));
        }
    }

    /// <summary>Stops tracking a speaker (it left or closed its producer); a dominant speaker releases the role.</summary>
    public bool RemoveSpeaker(TId id)
    {
        lock (_lock)
        {
            if (!_speakers.Remove(id, out var tracker)) return false;
            if (tracker == _dominant)
            {
                _dominant = null;
                _dominantId = default;
            }
            if (tracker == _challenger) _challenger = null;
            return true;
        }
    }

    /// <summary>
    /// Feeds one packet's RFC 6464 §3 audio level (0..127 -dBov, 127 = silence) and V bit. Allocation-free;
    /// false (and ignored) if the speaker is not tracked.
    /// </summary>
    public bool OnAudioLevel(TId id, byte level, bool voiceActivity, long timestampMs)
    {
        lock (_lock)
        {
            if (!_speakers.TryGetValue(id, out var tracker)) return false;
            tracker.OnSample(level, voiceActivity, timestampMs);
            return true;
        }
    }

    /// <summary>A speaker's current level and activity for a "speaking" indicator; false if not tracked.</summary>
    public bool TryGetActivity(TId id, long nowMs, out SpeakerActivity activity)
    {
        lock (_lock)
        {
            if (!_speakers.TryGetValue(id, out var tracker))
            {
                activity = default;
                return false;
            }
            activity = tracker.Query(nowMs, _options.SpeakingThreshold);
            return true;
        }
    }

    /// <summary>Re-decides the dominant speaker at <paramref name="nowMs"/>; call it on a timer. Allocation-free.</summary>
    public DominantSpeakerResult<TId> Evaluate(long nowMs)
    {
        lock (_lock)
        {
            SpeakerActivityTracker? best = null;
            TId? bestId = default;
            SpeakerActivity bestActivity = default;
            foreach (var (id, tracker) in _speakers)
            {
                if (tracker == _dominant) continue;
                var activity = tracker.Query(nowMs, _options.SpeakingThreshold);
                if (!activity.IsSpeaking || activity.MediumActivity < _options.MinActivity) continue;   // silence never takes over
                if (best is null || activity.MediumActivity > bestActivity.MediumActivity)
                {
                    best = tracker;
                    bestId = id;
                    bestActivity = activity;
                }
            }

            SpeakerActivity dominantActivity = _dominant?.Query(nowMs, _options.SpeakingThreshold) ?? default;
            if (_dominant is null || dominantActivity.MediumActivity < _options.MinActivity)
            {
                // No dominant speaker, or one who has fallen silent for about a medium window: whoever speaks
                // now takes the role at once (bursts shorter than SwitchDelay could never win a challenge).
                if (best is not null) SetDominant(best, bestId);
            }
            else if (best is not null && IsClearlyMoreActive(bestActivity, dominantActivity))
            {
                if (best != _challenger)
                {
                    _challenger = best;
                    _challengeSinceMs = nowMs;
                }
                if (nowMs - _challengeSinceMs >= _switchDelayMs) SetDominant(best, bestId);
            }
            else
            {
                _challenger = null;
            }

            bool changed = _dominant != _reported;
            _reported = _dominant;
            return new DominantSpeakerResult<TId>(_dominant is not null, _dominantId, changed);
        }
    }

    private bool IsClearlyMoreActive(SpeakerActivity challenger, SpeakerActivity dominant)
        => challenger.MediumActivity >= dominant.MediumActivity * _options.TakeoverRatio
            && challenger.ShortActivity > dominant.ShortActivity;

    private void SetDominant(SpeakerActivityTracker tracker, TId? id)
    {
        _dominant = tracker;
        _dominantId = id;
        _challenger = null;
    }
}
