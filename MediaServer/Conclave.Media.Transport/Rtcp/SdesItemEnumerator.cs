namespace Conclave.Media.Transport.Rtcp;

/// <summary>Iterates the items of a validated SDES chunk (stops at the null octet).</summary>
public ref struct SdesItemEnumerator
{
    private readonly ReadOnlySpan<byte> _items;
    private int _offset;

    internal SdesItemEnumerator(ReadOnlySpan<byte> items) { _items = items; _offset = 0; Current = default; }

    /// <summary>The current item.</summary>
    public SdesItem Current { get; private set; }

    /// <summary>Enables foreach.</summary>
    public readonly SdesItemEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next item.</summary>
    public bool MoveNext()
    {
        // The chunk was validated by SdesPacket.TryRead, so every item fits before the terminator.
        if (_offset + 2 > _items.Length || _items[_offset] == 0) return false;
        int length = _items[_offset + 1];
        Current = new SdesItem((SdesItemType)_items[_offset], _items.Slice(_offset + 2, length));
        _offset += 2 + length;
        return true;
    }
}
