namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.5 chunk
    |                          SSRC/CSRC_1                          |
    |                           SDES items                          |
    |                              ...  | 0 (end) | 0 pad to 32 bits |
*/
/// <summary>One SDES chunk: a source and its items.</summary>
public readonly ref struct SdesChunk
{
    private readonly ReadOnlySpan<byte> _items;

    internal SdesChunk(uint source, ReadOnlySpan<byte> items) { Source = source; _items = items; }

    /// <summary>SSRC or CSRC this chunk describes.</summary>
    public uint Source { get; }

    /// <summary>Iterates the items.</summary>
    public SdesItemEnumerator GetItems() => new(_items);

    /// <summary>Finds the first item of <paramref name="type"/> (e.g. CNAME).</summary>
    public bool TryFindItem(SdesItemType type, out ReadOnlySpan<byte> value)
    {
        foreach (var item in GetItems())
        {
            if (item.Type == type) { value = item.Value; return true; }
        }
        value = default;
        return false;
    }
}
