namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// Shares one subscriber's bandwidth estimate among its consumers and picks the spatial layer of each video consumer.
/// </summary>
/// <remarks>
/// <para><see cref="Allocate"/> (run on the leg's timer and when the estimate changes):</para>
/// <list type="number">
/// <item><see cref="BandwidthAllocatorOptions.AudioBitrate"/> per audio consumer is set aside first.</item>
/// <item>Every consumer that is not paused gets its lowest allowed layer (active, measured, within the cap or the
/// lowest of all), whatever the budget: the estimate is loss-based and does not probe, so starving a subscriber of
/// a participant's picture would never let it find out that there is room (Jitsi's and LiveKit's floor is the same
/// lowest layer). Their cost comes off the budget first.</item>
/// <item>Screen shares, then cameras, share what is left. Within each group the consumers climb their allowed layers
/// one step per round in the order they were added, each step taken only if it fits what is left, until no step
/// fits: every visible camera gets its second layer before any gets a third. A layer above a consumer's current
/// target is charged its bitrate × (1 + <see cref="BandwidthAllocatorOptions.UpgradeMargin"/>).</item>
/// <item>Hysteresis per consumer (<see cref="LayerSelector"/>): a lower choice takes effect at once; a higher one only
/// after it has kept fitting for <see cref="BandwidthAllocatorOptions.UpgradeHold"/>, except from no layer (the first
/// choice) or from a layer that is no longer allowed. A consumer held back spends its current layer, which costs less
/// than the higher candidate it was charged for, so the video stays within the budget (as long as a producer's
/// bitrates rise with the spatial index, as simulcast encodings do).</item>
/// <item>Each consumer's allowed layers are recounted in its producer's <see cref="ProducerLayers.WantedLayers"/>
/// (dynacast).</item>
/// </list>
/// <para>Timestamps are values of <see cref="TimeProvider.GetTimestamp"/> of the provider given to the constructor.
/// Not thread-safe: driven from the router's thread. <see cref="Allocate"/> does not allocate.</para>
/// </remarks>
public sealed class BandwidthAllocator
{
    private readonly BandwidthAllocatorOptions _options;
    private readonly long _holdTicks;
    private readonly List<LayerSelector> _consumers = new();
    private int _audioConsumerCount;

    /// <summary>An allocator with the default options.</summary>
    public BandwidthAllocator(TimeProvider timeProvider)
        : this(timeProvider, new BandwidthAllocatorOptions())
    {
    }

    /// <summary>An allocator with <paramref name="options"/>.</summary>
    public BandwidthAllocator(TimeProvider timeProvider, BandwidthAllocatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _holdTicks = TimestampTicks.From(options.UpgradeHold, timeProvider);
    }

    /// <summary>Number of audio consumers of this subscriber, each reserved <see cref="BandwidthAllocatorOptions.AudioBitrate"/>.</summary>
    public int AudioConsumerCount
    {
        get => _audioConsumerCount;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _audioConsumerCount = value;
        }
    }

    /// <summary>
    /// The audio reserve plus the bitrates of the video layers chosen by the last <see cref="Allocate"/>. Exceeds the
    /// estimate only when the audio reserve and the lowest layers alone do (with bitrates rising with the spatial index).
    /// </summary>
    public long AllocatedBitrate { get; private set; }

    /// <summary>Adds a video consumer of <paramref name="producer"/>, uncapped, not paused and with no layer until the next allocation.</summary>
    public LayerSelector AddVideoConsumer(ProducerLayers producer, bool isScreenShare)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var consumer = new LayerSelector(producer, isScreenShare);
        _consumers.Add(consumer);
        return consumer;
    }

    /// <summary>Removes a consumer and its share of the producer's wanted layers. False if it was not added here or is already removed.</summary>
    public bool RemoveVideoConsumer(LayerSelector consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        if (!_consumers.Remove(consumer)) return false;
        consumer.Release();
        return true;
    }

    /// <summary>
    /// Shares <paramref name="estimate"/> (bits per second, e.g. <see cref="SubscriberBandwidthEstimator.Estimate"/>)
    /// and updates every consumer's <see cref="LayerSelector.TargetLayer"/>. Returns how many targets changed.
    /// </summary>
    public int Allocate(long estimate, long timestamp)
    {
        long audio = _audioConsumerCount * _options.AudioBitrate;
        long budget = Math.Max(0, estimate - audio);
        for (int i = 0; i < _consumers.Count; i++)
        {
            var consumer = _consumers[i];
            consumer.RefreshWanted();
            consumer.Candidate = consumer.NextAllowed(LayerSelector.NoLayer);
            budget -= consumer.Charge(consumer.Candidate, _options.UpgradeMargin);
        }
        budget = Distribute(budget, screenShare: true);
        Distribute(budget, screenShare: false);

        int changed = 0;
        long allocated = audio;
        for (int i = 0; i < _consumers.Count; i++)
        {
            var consumer = _consumers[i];
            if (consumer.Settle(timestamp, _holdTicks)) changed++;
            if (consumer.TargetLayer != LayerSelector.NoLayer) allocated += consumer.Producer[consumer.TargetLayer].Bitrate;
        }
        AllocatedBitrate = allocated;
        return changed;
    }

    // Round-robin climb of one priority group; returns the budget left.
    private long Distribute(long budget, bool screenShare)
    {
        bool climbed;
        do
        {
            climbed = false;
            for (int i = 0; i < _consumers.Count; i++)
            {
                var consumer = _consumers[i];
                if (consumer.IsScreenShare != screenShare) continue;
                int next = consumer.NextAllowed(consumer.Candidate);
                if (next == LayerSelector.NoLayer) continue;
                long step = consumer.Charge(next, _options.UpgradeMargin) - consumer.Charge(consumer.Candidate, _options.UpgradeMargin);
                if (step > budget) continue;
                budget -= step;
                consumer.Candidate = next;
                climbed = true;
            }
        }
        while (climbed);
        return budget;
    }
}
