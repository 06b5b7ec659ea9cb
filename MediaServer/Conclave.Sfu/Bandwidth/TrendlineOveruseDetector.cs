namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The delay-based over-use detector of draft-ietf-rmcat-gcc-02 §5.3–5.4, with libwebrtc's trendline filter in place
/// of the draft's Kalman filter: the inter-group delay variations d(i) = (T(i) − T(i−1)) − (t(i) − t(i−1)) are
/// accumulated, exponentially smoothed, and the slope of a least-squares line through the last
/// <see cref="WindowSize"/> of them against arrival time is the queuing-delay trend m(i). The trend, scaled by the
/// number of samples and a gain, is compared with an adaptive threshold γ(i) (§5.4): above it for more than
/// <see cref="OveruseTime"/> ms and still rising is <see cref="BandwidthUsage.Overusing"/>, below −γ(i) is
/// <see cref="BandwidthUsage.Underusing"/>. γ follows |m(i)| slowly upward and faster downward (§5.4 eq. for γ),
/// clamped to [6, 600] ms, so the detector neither starves against loss-based flows nor fires on jitter.
/// </summary>
/// <remarks>No allocation after construction. Not thread-safe.</remarks>
internal sealed class TrendlineOveruseDetector
{
    /// <summary>libwebrtc's trendline window: the last 20 groups.</summary>
    public const int WindowSize = 20;

    /// <summary>draft-ietf-rmcat-gcc-02 §5.4: overuse_time_th, 10 ms.</summary>
    public const double OveruseTime = 10;

    private const double Smoothing = 0.9;               // libwebrtc's smoothing of the accumulated delay
    private const double ThresholdGain = 4;             // libwebrtc's gain on the trend
    private const int MaxDeltaCount = 60;               // the trend is scaled by min(samples, 60)
    private const double GammaUp = 0.0087;              // §5.4 K_u and K_d, libwebrtc's values for the trendline
    private const double GammaDown = 0.039;
    private const double MaxThresholdStep = 15;         // |m| this far above γ is an outlier: γ does not follow it
    private const double MinThreshold = 6, MaxThreshold = 600, InitialThreshold = 12.5;
    private const double MaxThresholdInterval = 100;    // ms of γ adaptation per update at most

    private readonly double[] _arrival = new double[WindowSize];   // ring of (arrival since first, smoothed delay)
    private readonly double[] _delay = new double[WindowSize];
    private int _count;
    private int _head;
    private int _deltas;
    private double _firstArrival = double.NaN;
    private double _accumulated;
    private double _smoothed;
    private double _previousTrend;
    private double _threshold = InitialThreshold;
    private double _lastThresholdUpdate = double.NaN;
    private double _timeOverUsing = -1;
    private int _overuseCount;

    /// <summary>The latest signal.</summary>
    public BandwidthUsage Usage { get; private set; }

    /// <summary>The adaptive threshold γ in ms (for diagnostics).</summary>
    public double Threshold => _threshold;

    /// <summary>Takes the deltas of one closed group (<see cref="InterGroupDelays"/>), in milliseconds.</summary>
    public BandwidthUsage Update(double sendDelta, double arrivalDelta, double arrivalMs)
    {
        double variation = arrivalDelta - sendDelta;
        if (_deltas < 1000) _deltas++;
        if (double.IsNaN(_firstArrival)) _firstArrival = arrivalMs;
        _accumulated += variation;
        _smoothed = Smoothing * _smoothed + (1 - Smoothing) * _accumulated;
        _arrival[_head] = arrivalMs - _firstArrival;
        _delay[_head] = _smoothed;
        _head = (_head + 1) % WindowSize;
        if (_count < WindowSize) _count++;
        double trend = _count == WindowSize && TrySlope(out double slope) ? slope : _previousTrend;
        Detect(trend, sendDelta, arrivalMs);
        return Usage;
    }

    private void Detect(double trend, double sendDelta, double now)
    {
        if (_deltas < 2)
        {
            Usage = BandwidthUsage.Normal;
            return;
        }
        double modified = Math.Min(_deltas, MaxDeltaCount) * trend * ThresholdGain;
        if (modified > _threshold)
        {
            _timeOverUsing = _timeOverUsing < 0 ? sendDelta / 2 : _timeOverUsing + sendDelta;
            _overuseCount++;
            if (_timeOverUsing > OveruseTime && _overuseCount > 1 && trend >= _previousTrend)
            {
                _timeOverUsing = 0;
                _overuseCount = 0;
                Usage = BandwidthUsage.Overusing;
            }
        }
        else
        {
            _timeOverUsing = -1;
            _overuseCount = 0;
            Usage = modified < -_threshold ? BandwidthUsage.Underusing : BandwidthUsage.Normal;
        }
        _previousTrend = trend;
        AdaptThreshold(modified, now);
    }

    // §5.4: γ(i) = γ(i−1) + Δt · K(i) · (|m(i)| − γ(i−1)), K = K_d below γ, K_u above.
    private void AdaptThreshold(double modified, double now)
    {
        if (double.IsNaN(_lastThresholdUpdate)) _lastThresholdUpdate = now;
        double magnitude = Math.Abs(modified);
        if (magnitude > _threshold + MaxThresholdStep)
        {
            _lastThresholdUpdate = now;
            return;
        }
        double k = magnitude < _threshold ? GammaDown : GammaUp;
        double elapsed = Math.Clamp(now - _lastThresholdUpdate, 0, MaxThresholdInterval);
        _threshold = Math.Clamp(_threshold + k * (magnitude - _threshold) * elapsed, MinThreshold, MaxThreshold);
        _lastThresholdUpdate = now;
    }

    // Least-squares slope of smoothed delay over arrival time across the window.
    private bool TrySlope(out double slope)
    {
        double meanX = 0, meanY = 0;
        for (int i = 0; i < WindowSize; i++)
        {
            meanX += _arrival[i];
            meanY += _delay[i];
        }
        meanX /= WindowSize;
        meanY /= WindowSize;
        double numerator = 0, denominator = 0;
        for (int i = 0; i < WindowSize; i++)
        {
            double dx = _arrival[i] - meanX;
            numerator += dx * (_delay[i] - meanY);
            denominator += dx * dx;
        }
        slope = denominator == 0 ? 0 : numerator / denominator;
        return denominator != 0;
    }
}
