using System.Runtime.InteropServices;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// Send-side bandwidth estimate of one subscriber leg: how many bits per second the SFU may send to this subscriber.
/// </summary>
/// <remarks>
/// <para>What it does:</para>
/// <list type="bullet">
/// <item>Every RTP packet sent to the subscriber gets a transport-wide sequence number from
/// <see cref="OnPacketSent"/> (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), kept with its send time and
/// size in a <see cref="TransportSendHistory"/>, so the subscriber's transport-cc feedback (§3.1) says which of our
/// packets arrived and when.</item>
/// <item>Delay-based control (draft-ietf-rmcat-gcc-02 §5): arrivals are grouped (<see cref="InterGroupDelays"/>),
/// the queuing-delay trend is tested against an adaptive threshold (<see cref="TrendlineOveruseDetector"/>) and the
/// result drives the AIMD controller (<see cref="DelayBasedRateControl"/>), whose decreases go to 0.85 times the rate
/// the subscriber acknowledged over the last half second.</item>
/// <item>Loss-based control (draft-ietf-rmcat-gcc-02 §6) on the estimate As: a loss ratio p above 10 % sets
/// As = As·(1 − 0.5·p); below 2 % sets As = As·1.08; in between holds As. Increases happen at most once per
/// <see cref="SubscriberBandwidthEstimatorOptions.IncreaseInterval"/> (so at most 8 % per second) and decreases at
/// most once per <see cref="SubscriberBandwidthEstimatorOptions.DecreaseInterval"/>, as libwebrtc's send-side
/// estimator.</item>
/// <item>Loss comes from transport-cc feedback once the subscriber has sent any: each packet we sent counts once, and
/// a packet first reported lost and then reported received (it was late, not lost) is taken back. Without
/// transport-cc it comes from the fraction lost of RR/SR report blocks (RFC 3550 §6.4.1), weighted by each stream's
/// packets expected since its previous block (RFC 3550 App. A.3), as draft-ietf-rmcat-gcc-02 §7 suggests for
/// receivers without the extensions. The two are not mixed: with transport-cc the report blocks would count the same
/// losses again (libwebrtc does the same). Loss is pooled until
/// <see cref="SubscriberBandwidthEstimatorOptions.MinPacketsPerLossSample"/> packets are covered, then judged.</item>
/// <item>A REMB (draft-alvestrand-rmcat-remb-03 §2) is the receiver's own delay-based estimate, for receivers without
/// transport-cc; once a receiver has sent transport-cc feedback its REMBs are ignored, since they then cover only
/// the streams without the extension (and a REMB received before is dropped). The estimate is the minimum of the loss-based, the delay-based and the REMB (draft-ietf-rmcat-gcc-02
/// §6), and As itself is held at or below the other two so losses act on the rate actually in use. The latest REMB
/// applies until the next one.</item>
/// <item>The result is clamped to [<see cref="SubscriberBandwidthEstimatorOptions.MinBitrate"/>,
/// <see cref="SubscriberBandwidthEstimatorOptions.MaxBitrate"/>] and starts at
/// <see cref="SubscriberBandwidthEstimatorOptions.StartBitrate"/>.</item>
/// </list>
/// <para>What it does not do (yet):</para>
/// <list type="bullet">
/// <item>No padding probes: the estimate grows by 8 % a second while nothing shows congestion, whatever is sent, and a
/// layer upgrade is the probe (<see cref="DelayBasedRateControl"/>).</item>
/// <item>A receiver with REMB only (no transport-cc) caps the estimate at what its REMB says, and a receive-side
/// estimator such as libwebrtc's reports little more than it receives: such subscribers move up layers only as far
/// as their REMB grows.</item>
/// <item>No round-trip time and no reaction to feedback that stops coming.</item>
/// </list>
/// <para>Timestamps are values of <see cref="TimeProvider.GetTimestamp"/> of the provider given to the constructor.
/// Not thread-safe: one leg's sends and RTCP are handled on one thread. No method allocates once every reporting SSRC
/// has been seen.</para>
/// </remarks>
public sealed class SubscriberBandwidthEstimator
{
    /// <summary>The window of the acknowledged rate R_hat that decreases start from: short, so that after a layer
    /// upgrade it reflects the new rate rather than the old one (libwebrtc's throughput estimator uses 150–500 ms).</summary>
    private static readonly TimeSpan AcknowledgedWindow = TimeSpan.FromMilliseconds(500);

    private readonly SubscriberBandwidthEstimatorOptions _options;
    private readonly long _increaseIntervalTicks;
    private readonly long _decreaseIntervalTicks;
    private readonly Dictionary<uint, uint> _highestSequence = new();    // SSRC → extended highest sequence number last reported
    private readonly TransportSendHistory _sent = new();
    private readonly InterGroupDelays _groups = new();
    private readonly TrendlineOveruseDetector _detector = new();
    private readonly DelayBasedRateControl _delayBased;
    private readonly BitrateMeter _acknowledged;
    private readonly double _ticksPerMillisecond;
    private long _referenceTime;                        // unwrapped transport-cc reference time, 64 ms units
    private int _lastReferenceTime;
    private long _rate;
    private long _remb;
    private bool _hasRemb;
    private bool _hasTransportCc;
    private bool _hasReference;
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
        _delayBased = new DelayBasedRateControl(options, timeProvider);
        _acknowledged = new BitrateMeter(timeProvider, AcknowledgedWindow, 10);
        _ticksPerMillisecond = timeProvider.TimestampFrequency / 1000.0;
    }

    /// <summary>The estimate in bits per second.</summary>
    public long Estimate => _rate;

    /// <summary>The delay-based estimate in bits per second (the maximum until the first overuse).</summary>
    public long DelayBasedEstimate => _delayBased.Estimate;

    /// <summary>The over-use detector's latest signal.</summary>
    public BandwidthUsage Usage => _detector.Usage;

    /// <summary>What the subscriber acknowledged receiving over the last half second, by transport-cc, in bits per second.</summary>
    public long AcknowledgedBitrate(long timestamp) => _acknowledged.GetBitrate(timestamp);

    /// <summary>Records a packet of <paramref name="bytes"/> sent to the subscriber and returns the transport-wide
    /// sequence number to write into its transport-cc header extension.</summary>
    public ushort OnPacketSent(int bytes, long timestamp) => _sent.Add(bytes, timestamp);

    /// <summary>The latest REMB in bits per second, or null if the subscriber never sent one.</summary>
    public long? ReceiverEstimatedMaxBitrate => _hasRemb ? _remb : null;

    /// <summary>The loss ratio of the latest judged sample (0 before the first).</summary>
    public double LossRatio { get; private set; }

    /// <summary>Takes the bitrate of a REMB from this subscriber (<see cref="Conclave.Media.Transport.Rtcp.ReceiverEstimatedMaxBitrate.Bitrate"/>).</summary>
    public void OnReceiverEstimatedMaxBitrate(ulong bitsPerSecond)
    {
        // A receiver that sends transport-cc feedback estimates with REMB only the streams that lack the extension
        // (libwebrtc's receive side): a REMB then covers part of what it receives and is no bound on the whole.
        if (_hasTransportCc) return;
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

    /// <summary>Takes a transport-cc feedback packet from this subscriber: runs the delay-based controller over the
    /// packets it reports received and the loss-based controller over those it reports lost. Statuses of packets this
    /// estimator did not send (or sent too long ago) are ignored.</summary>
    public void OnTransportCc(TransportCc feedback, long timestamp)
    {
        if (!_hasTransportCc) _hasRemb = false;
        _hasTransportCc = true;
        // §3.1: the reference time (24-bit signed, 64 ms units) wraps; unwrap it against the previous feedback.
        int reference = feedback.ReferenceTime;
        _referenceTime += _hasReference ? (reference - _lastReferenceTime) << 8 >> 8 : reference;
        _lastReferenceTime = reference;
        _hasReference = true;
        long arrivalMicros = _referenceTime * 64_000;
        foreach (TransportCcPacket packet in feedback)
        {
            bool received = packet.Status != TransportCcStatus.NotReceived;
            if (received) arrivalMicros += packet.DeltaMicroseconds;                // §3.1.5: each delta is from the previous arrival
            if (!_sent.TryGet(packet.SequenceNumber, out long sentAt, out int bytes, out TransportSendHistory.FeedbackState state)) continue;
            if (!received)
            {
                if (state != TransportSendHistory.FeedbackState.Unreported) continue;
                _expectedPackets++;
                _lostPackets++;
                _sent.SetState(packet.SequenceNumber, TransportSendHistory.FeedbackState.ReportedLost);
                continue;
            }
            if (state == TransportSendHistory.FeedbackState.Received) continue;
            if (state == TransportSendHistory.FeedbackState.Unreported) _expectedPackets++;
            else if (_lostPackets > 0) _lostPackets--;                               // late, not lost
            _sent.SetState(packet.SequenceNumber, TransportSendHistory.FeedbackState.Received);
            _acknowledged.OnPacket(bytes, timestamp);
            if (_groups.TryAdd(sentAt / _ticksPerMillisecond, arrivalMicros / 1000.0, out double sendDelta, out double arrivalDelta, out double groupArrival))
                _detector.Update(sendDelta, arrivalDelta, groupArrival);
        }
        _delayBased.Update(_detector.Usage, _acknowledged.GetBitrate(timestamp), _rate, timestamp);
        _rate = Bound(_rate);
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
        if (_hasTransportCc && rate > _delayBased.Estimate) rate = _delayBased.Estimate;
        return Math.Clamp(rate, _options.MinBitrate, _options.MaxBitrate);
    }
}
