namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The simulcast layers of one video producer, shared by all its consumers across subscribers, and the layers those
/// subscribers want (dynacast).
/// </summary>
/// <remarks>
/// <para>Layers are indexed by spatial index, lowest resolution first (RFC 8853 encodings in ascending order), and
/// their size, measured bitrate and active flag are kept current by the producer through <see cref="SetLayer"/>.</para>
/// <para>Dynacast: a layer is wanted while at least one consumer that is not paused has a resolution cap that lets it
/// receive that layer or a higher one; every layer up to each such consumer's best allowed layer is wanted. This is
/// what the subscribers could use, not what the allocator currently sends them: a layer is paused at the publisher
/// only when no subscriber could take it, because a paused layer has no measured bitrate and a subscriber could then
/// never be allocated up to it again (LiveKit's dynacast follows the subscribed maximum quality in the same way).
/// The lower layers stay on as the fallback when a subscriber's bandwidth drops.</para>
/// <para>Not thread-safe: a router's producers and consumers are driven from one thread.</para>
/// </remarks>
public sealed class ProducerLayers
{
    /// <summary>The wanted set is a 32-bit mask.</summary>
    public const int MaxLayerCount = 32;

    private readonly VideoLayer[] _layers;
    private readonly int[] _wantCounts;     // [i]: consumers whose best allowed layer is i or higher

    /// <summary>A producer with <paramref name="layerCount"/> layers, all unknown and inactive until set.</summary>
    public ProducerLayers(int layerCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layerCount, MaxLayerCount);
        _layers = new VideoLayer[layerCount];
        _wantCounts = new int[layerCount];
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Length;

    /// <summary>Layer <paramref name="spatialIndex"/>.</summary>
    public VideoLayer this[int spatialIndex] => _layers[spatialIndex];

    /// <summary>Bit i set: some subscriber wants layer i. 0: nobody watches this producer.</summary>
    public uint WantedLayers { get; private set; }

    /// <summary>Replaces layer <paramref name="spatialIndex"/> (new measured bitrate, size or active flag).</summary>
    public void SetLayer(int spatialIndex, VideoLayer layer) => _layers[spatialIndex] = layer;

    /// <summary>The highest layer that fits the cap, active or not (dynacast must be able to resume it); the lowest
    /// when none fits.</summary>
    internal int HighestWithin(int maxWidth, int maxHeight)
    {
        for (int i = _layers.Length - 1; i > 0; i--)
            if (_layers[i].FitsWithin(maxWidth, maxHeight)) return i;
        return 0;
    }

    /// <summary>Moves one consumer's best allowed layer from <paramref name="from"/> to <paramref name="to"/> (-1: none).</summary>
    internal void MoveWanted(int from, int to)
    {
        if (from == to) return;
        int delta = to > from ? 1 : -1;
        for (int i = Math.Min(from, to) + 1; i <= Math.Max(from, to); i++) _wantCounts[i] += delta;
        uint mask = 0;
        for (int i = 0; i < _wantCounts.Length; i++)
            if (_wantCounts[i] > 0) mask |= 1u << i;
        WantedLayers = mask;
    }
}
