namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The layer choice for one video consumer of one subscriber: the subscriber's cap (maximum resolution, paused when
/// not visible) goes in, the target spatial layer comes out of <see cref="BandwidthAllocator.Allocate"/>.
/// </summary>
/// <remarks>
/// Created by <see cref="BandwidthAllocator.AddVideoConsumer"/>. When <see cref="TargetLayer"/> changes, the consumer
/// switches at the next keyframe of the new layer and asks for one (see <see cref="KeyframeRequestThrottle"/>).
/// Not thread-safe: driven from the router's thread.
/// </remarks>
public sealed class LayerSelector
{
    /// <summary>No layer: the consumer is paused, or none of the producer's layers is usable (active and measured).</summary>
    public const int NoLayer = -1;

    private int _wanted = NoLayer;          // best layer the cap allows, as counted in the producer's wanted set
    private bool _upgradePending;
    private long _upgradeSince;
    private bool _removed;

    internal LayerSelector(ProducerLayers producer, bool isScreenShare)
    {
        Producer = producer;
        IsScreenShare = isScreenShare;
        RefreshWanted();
    }

    /// <summary>The producer's layers.</summary>
    public ProducerLayers Producer { get; }

    /// <summary>Screen shares are served before cameras.</summary>
    public bool IsScreenShare { get; }

    /// <summary>Largest frame width the subscriber wants (<see cref="int.MaxValue"/>: no cap).</summary>
    public int MaxWidth { get; private set; } = int.MaxValue;

    /// <summary>Largest frame height the subscriber wants (<see cref="int.MaxValue"/>: no cap).</summary>
    public int MaxHeight { get; private set; } = int.MaxValue;

    /// <summary>Whether the subscriber has paused this consumer (not visible).</summary>
    public bool Paused { get; private set; }

    /// <summary>The spatial layer to forward, or <see cref="NoLayer"/>.</summary>
    public int TargetLayer { get; private set; } = NoLayer;

    /// <summary>The allocation in progress (<see cref="BandwidthAllocator"/> only).</summary>
    internal int Candidate { get; set; } = NoLayer;

    /// <summary>Caps the resolution: only layers within <paramref name="maxWidth"/> × <paramref name="maxHeight"/> are chosen.</summary>
    public void SetMaxResolution(int maxWidth, int maxHeight)
    {
        ObjectDisposedException.ThrowIf(_removed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeight);
        MaxWidth = maxWidth;
        MaxHeight = maxHeight;
        RefreshWanted();
    }

    /// <summary>Pauses (no layer, and none wanted from the publisher) or resumes the consumer.</summary>
    public void SetPaused(bool paused)
    {
        ObjectDisposedException.ThrowIf(_removed, this);
        Paused = paused;
        RefreshWanted();
    }

    /// <summary>Recounts this consumer in the producer's wanted set (the cap or the layer sizes may have changed).</summary>
    internal void RefreshWanted()
    {
        int wanted = Paused ? NoLayer : Producer.HighestWithin(MaxWidth, MaxHeight);
        Producer.MoveWanted(_wanted, wanted);
        _wanted = wanted;
    }

    /// <summary>Leaves the producer's wanted set for good.</summary>
    internal void Release()
    {
        Producer.MoveWanted(_wanted, NoLayer);
        _wanted = NoLayer;
        _removed = true;
        TargetLayer = NoLayer;
    }

    /// <summary>The lowest layer above <paramref name="layer"/> this consumer may be given, or <see cref="NoLayer"/>.</summary>
    internal int NextAllowed(int layer)
    {
        for (int i = layer + 1; i < Producer.Count; i++)
            if (IsAllowed(i)) return i;
        return NoLayer;
    }

    /// <summary>What <paramref name="layer"/> costs the budget: its bitrate, with the upgrade margin above the target.</summary>
    internal long Charge(int layer, double upgradeMargin)
    {
        if (layer == NoLayer) return 0;
        long bitrate = Producer[layer].Bitrate;
        return layer > TargetLayer ? (long)Math.Ceiling(bitrate * (1.0 + upgradeMargin)) : bitrate;
    }

    /// <summary>
    /// Turns <see cref="Candidate"/> into <see cref="TargetLayer"/> with hysteresis: down (or to no layer) at once;
    /// up at once from no layer (the first choice, or after a pause) or from a layer no longer allowed; otherwise up
    /// only once the candidate has stayed above the target for <paramref name="holdTicks"/>. True if the target changed.
    /// </summary>
    internal bool Settle(long timestamp, long holdTicks)
    {
        int current = TargetLayer;
        int next = Candidate;
        if (next <= current || current == NoLayer || !IsAllowed(current))
        {
            _upgradePending = false;
        }
        else
        {
            if (!_upgradePending)
            {
                _upgradePending = true;
                _upgradeSince = timestamp;
            }
            if (timestamp - _upgradeSince >= holdTicks) _upgradePending = false;
            else next = current;
        }
        TargetLayer = next;
        return next != current;
    }

    /// <summary>Usable, not paused, and within the cap; the lowest layer counts as within any cap, so a picture shown
    /// smaller than every encoding still gets the smallest.</summary>
    private bool IsAllowed(int layer)
    {
        var candidate = Producer[layer];
        return !Paused && candidate.IsUsable && (layer == 0 || candidate.FitsWithin(MaxWidth, MaxHeight));
    }
}
