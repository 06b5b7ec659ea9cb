namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The rate controller of draft-ietf-rmcat-gcc-02 §5.5, driven by the over-use detector's signal:
/// <list type="bullet">
/// <item>Overusing → Decrease: the estimate becomes β = 0.85 times the rate the subscriber acknowledged receiving
/// over the last half second (R_hat), or times the sender's current estimate before any acknowledgement; never
/// upward, and at most once per
/// <see cref="SubscriberBandwidthEstimatorOptions.DecreaseInterval"/> so one queue is not punished for every feedback
/// that still shows it. Then Hold.</item>
/// <item>Underusing → Hold: a queue drains; the rate is not raised meanwhile.</item>
/// <item>Normal → Increase (from Hold): the estimate grows by <see cref="SubscriberBandwidthEstimatorOptions.IncreaseFactor"/>
/// per second, pro rata of the time since the previous update.</item>
/// </list>
/// Unlike the draft (and libwebrtc), the increase is not bounded to 1.5·R_hat: an SFU sends what its subscribers
/// are given, not what it could, so a bound by what was acknowledged would keep a subscriber on its first layer
/// forever. A layer upgrade is this estimator's probe; if it overruns the path, the queue it builds is an overuse
/// and the estimate falls back under the acknowledged rate.
/// As in libwebrtc, there is no delay-based limit before the first overuse (<see cref="Estimate"/> is the maximum):
/// the start bitrate is the loss-based controller's.
/// </summary>
internal sealed class DelayBasedRateControl
{
    private const double Beta = 0.85;                   // §5.5

    private readonly SubscriberBandwidthEstimatorOptions _options;
    private readonly long _frequency;
    private readonly long _decreaseIntervalTicks;
    private State _state = State.Increase;
    private long _lastUpdate;
    private long _lastDecrease;
    private bool _updated;
    private bool _decreased;

    public DelayBasedRateControl(SubscriberBandwidthEstimatorOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _frequency = timeProvider.TimestampFrequency;
        _decreaseIntervalTicks = TimestampTicks.From(options.DecreaseInterval, timeProvider);
        Estimate = options.MaxBitrate;
    }

    /// <summary>The delay-based estimate A_hat in bits per second (the maximum until the first overuse).</summary>
    public long Estimate { get; private set; }

    /// <summary>Applies <paramref name="usage"/> at <paramref name="timestamp"/>, with <paramref name="acknowledged"/>
    /// the subscriber's acknowledged receive rate (0: not known yet) and <paramref name="current"/> the sender's
    /// current estimate, in bits per second.</summary>
    public void Update(BandwidthUsage usage, long acknowledged, long current, long timestamp)
    {
        double elapsed = _updated ? Math.Clamp((double)(timestamp - _lastUpdate) / _frequency, 0, 1) : 0;
        _lastUpdate = timestamp;
        _updated = true;
        _state = (usage, _state) switch
        {
            (BandwidthUsage.Overusing, _) => State.Decrease,
            (BandwidthUsage.Underusing, _) => State.Hold,
            (BandwidthUsage.Normal, State.Hold) => State.Increase,
            _ => _state,
        };
        switch (_state)
        {
            case State.Increase:
                Estimate = Bound((long)Math.Round(Estimate * Math.Pow(_options.IncreaseFactor, elapsed)));
                break;
            case State.Decrease:
                _state = State.Hold;
                if (_decreased && timestamp - _lastDecrease < _decreaseIntervalTicks) break;
                long basis = Math.Min(acknowledged > 0 ? acknowledged : current, Estimate);
                Estimate = Bound((long)Math.Round(basis * Beta));
                _lastDecrease = timestamp;
                _decreased = true;
                break;
        }
    }

    private long Bound(long rate) => Math.Clamp(rate, _options.MinBitrate, _options.MaxBitrate);

    private enum State { Hold, Increase, Decrease }
}
