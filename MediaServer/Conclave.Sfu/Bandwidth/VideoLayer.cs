namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// One simulcast encoding of a video producer as the allocator sees it (RFC 8853). Its spatial index is its position
/// in <see cref="ProducerLayers"/>.
/// </summary>
/// <param name="Width">Frame width in pixels (0 if not known yet, which fits every cap).</param>
/// <param name="Height">Frame height in pixels (0 if not known yet, which fits every cap).</param>
/// <param name="Bitrate">Measured bitrate in bits per second (see <see cref="BitrateMeter"/>); 0 if nothing has been measured.</param>
/// <param name="Active">Whether the publisher is sending this encoding now.</param>
public readonly record struct VideoLayer(int Width, int Height, long Bitrate, bool Active)
{
    /// <summary>Whether a consumer can be given this layer: active and measured, so its cost is known.</summary>
    public bool IsUsable => Active && Bitrate > 0;

    /// <summary>Whether the frame fits within <paramref name="maxWidth"/> × <paramref name="maxHeight"/>.</summary>
    public bool FitsWithin(int maxWidth, int maxHeight) => Width <= maxWidth && Height <= maxHeight;
}
