using System.Runtime.InteropServices;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// Send-side bandwidth estimate of one subscriber leg: how many bits per second the SFU may send to this subscriber.
/// </summary>
/// <remarks>
/// <para>What it does:</para>
/// <list type="bullet">
/// <item>The loss-based controller of draft-ietf-rmcat-gcc-02 §6 on the estimate As: a loss ratio p above 10 %
/// sets As = As·(1 − 0.5·p); below 2 % sets As = As·1.08; in between holds As. Increases happen at most once per
/// <see cref="SubscriberBandwidthEstimatorOptions.IncreaseInterval"/> (so at most 8 % per second) and decreases at most
/// once per <see cref="SubscriberBandwidthEstimatorOptions.DecreaseInterval"/>, as libwebrtc's send-side estimator.</item>
/// <item>Loss comes from transport-cc feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: statuses
/// "not received" over all statuses) once the subscriber has sent any, else from the fraction lost of RR/SR report
/// blocks (RFC 3550 §6.4.1), weighted by each stream's packets expected since its previous block (RFC 3550 App. A.3),
/// as draft-ietf-rmcat-gcc-02 §7 suggests for receivers without the extensions. The two are not mixed: with
/// transport-cc the report blocks would count the same losses again (libwebrtc does the same). Loss is pooled until
/// <see cref="SubscriberBandwidthEstimatorOptions.MinPacketsPerLossSample"/> packets are covered, then judged.</item>
/// <item>A REMB (draft-alvestrand-rmcat-remb-03 §2) is the receiver's delay-based estimate: the estimate is the
/// minimum of the two (draft-ietf-rmcat-gcc-02 §6), and As itself is held at or below the REMB so losses act on the
/// rate actually in use. The latest REMB applies until the next one.</item>
/// <item>The result is clamped to [<see cref="SubscriberBandwidthEstimatorOptions.MinBitrate"/>,
/// <see cref="SubscriberBandwidthEstimatorOptions.MaxBitrate"/>] and starts at
/// <see cref="SubscriberBandwidthEstimatorOptions.StartBitrate"/>.</item>
/// </list>
/// <para>What it does not do (yet):</para>
/// <list type="bullet">
/// <item>No delay-based controller (draft-ietf-rmcat-gcc-02 §5): the arrival deltas in transport-cc feedback are
/// ignored, so queue build-up is noticed only once it turns into loss or a REMB.</item>
/// <item>No probing and no bound by the rate actually acknowledged: without loss and without a REMB the estimate
/// keeps growing by 8 % a second up to the maximum even when far less is sent.</item>
/// <item>No round-trip time, no reaction to missing feedback, no send history: transport-cc statuses are counted as
/// reported, so a packet reported lost and later reported received counts as lost, and report blocks lost in transit
/// make a weighted block cover more packets than its fraction lost describes.</item>
/// </list>
/// <para>Timestamps are values of <see cref="TimeProvider.GetTimestamp"/> of the provider given to the constructor.
/// Not thread-safe: one leg's RTCP is handled on one thread. No method allocates once every reporting SSRC has been
/// seen.</para>
/// </remarks>
public sealed class SubscriberBandwidthEstimator
{
    private readonly SubscriberBandwidthEstimatorOptions _options;
    private readonly long _increaseIntervalTicks;
    private readonly long _decreaseIntervalTicks;
    private readonly Dictionary<uint, uint> _highestSequence = new();    // SSRC → extended highest sequence number last reported
    private long _rate;
    private long _remb;
    private bool _hasRemb;
    private bool _hasTransportCc;
    private long _lostPackets;
    private long _expectedPackets;
    private long _lastIncrease;
    private long _lastDecrease;
    private bool _hasIncreased;
    private bool _hasDecreased;

    /// <summary>An estimator with the default options.</summary>
    public SubscriberBandwidthEstimator(TimeProvider timeProvider)
        : this(timeProvider, new SubscriberBandwidthEstimatorOptions())
    {
    }

    /// <summary>An estimator with <paramref name="options"/>.</summary>
    public SubscriberBandwidthEstimator(TimeProvider timeProvider, SubscriberBandwidthEstimatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _increaseIntervalTicks = TimestampTicks.From(options.IncreaseInterval, timeProvider);
        _decreaseIntervalTicks = TimestampTicks.From(options.DecreaseInterval, timeProvider);
        _rate = options.StartBitrate;
    }

    /// <summary>The estimate in bits per second.</summary>
    public long Estimate => _rate;

    /// <summary>The latest REMB in bits per second, or null if the subscriber never sent one.</summary>
    public long? ReceiverEstimatedMaxBitrate => _hasRemb ? _remb : null;

    /// <summary>The loss ratio of the latest judged sample (0 before the first).</summary>
    public double LossRatio { get; private set; }

    /// <summary>Takes the bitrate of a REMB from this subscriber (<see cref="Conclave.Media.Transport.Rtcp.ReceiverEstimatedMaxBitrate.Bitrate"/>).</summary>
    public void OnReceiverEstimatedMaxBitrate(ulong bitsPerSecond)
    {
        _remb = bitsPerSecond > long.MaxValue ? long.MaxValue : (long)bitsPerSecond;
        _hasRemb = true;
        _rate = Bound(_rate);
    }

    /// <summary>Takes the report blocks of an RR from this subscriber, then runs the loss-based controller.</summary>
    public void OnReceiverReport(ReceiverReport report, long timestamp)
    {
        if (_hasTransportCc) return;
        for (int i = 0; i < report.ReportCount; i++) AddReportBlock(report.GetReportBlock(i));
        Judge(timestamp);
    }

    /// <summary>Takes the report blocks of an SR from this subscriber (one that also publishes), then runs the loss-based controller.</summary>
    public void OnSenderReport(SenderReport report, long timestamp)
    {
        if (_hasTransportCc) return;
        for (int i = 0; i < report.ReportCount; i++) AddReportBlock(report.GetReportBlock(i));
        Judge(timestamp);
    }

    /// <summary>Takes a transport-cc feedback packet from this subscriber, then runs the loss-based controller.</summary>
    public void OnTransportCc(TransportCc feedback, long timestamp)
    {
        _hasTransportCc = true;
        foreach (var packet in feedback)
        {
            _expectedPackets++;
            if (packet.Status == TransportCcStatus.NotReceived) _lostPackets++;
        }
        Judge(timestamp);
    }

    /// <summary>Forgets a stream no longer sent on this leg, so its next report block (if any) starts afresh.</summary>
    public bool RemoveStream(uint ssrc) => _highestSequence.Remove(ssrc);

    // RFC 3550 §6.4.1: fraction lost = lost / expected since the previous report, in 1/256; App. A.3: expected is
    // the growth of the extended highest sequence number. The first block of a stream only sets the baseline.
    private void AddReportBlock(in ReportBlock block)
    {
        ref uint previous = ref CollectionsMarshal.GetValueRefOrAddDefault(_highestSequence, block.Ssrc, out bool known);
        int expected = (int)(block.ExtendedHighestSequenceNumber - previous);
        if (known && expected <= 0) return;                 // a stale or repeated report
        previous = block.ExtendedHighestSequenceNumber;
        if (!known) return;
        _expectedPackets += expected;
        _lostPackets += ((long)block.FractionLost * expected + 128) >> 8;
    }

    // draft-ietf-rmcat-gcc-02 §6, run once enough packets are covered.
    private void Judge(long timestamp)
    {
        if (_expectedPackets < _options.MinPacketsPerLossSample) return;
        double loss = Math.Min(1.0, (double)_lostPackets / _expectedPackets);
        _lostPackets = 0;
        _expectedPackets = 0;
        LossRatio = loss;
        if (loss > _options.HighLossThreshold)
        {
            if (_hasDecreased && timestamp - _lastDecrease < _decreaseIntervalTicks) return;
            _rate = Bound((long)Math.Round(_rate * (1.0 - 0.5 * loss)));
            _lastDecrease = timestamp;
            _hasDecreased = true;
        }
        else if (loss < _options.LowLossThreshold)
        {
            if (_hasIncreased && timestamp - _lastIncrease < _increaseIntervalTicks) return;
            _rate = Bound((long)Math.Round(_rate * _options.IncreaseFactor));     // the conversion saturates
            _lastIncrease = timestamp;
            _hasIncreased = true;
        }
    }

    private long Bound(long rate)
    {
        if (_hasRemb && rate > _remb) rate = _remb;
        return Math.Clamp(rate, _options.MinBitrate, _options.MaxBitrate);
    }
}
