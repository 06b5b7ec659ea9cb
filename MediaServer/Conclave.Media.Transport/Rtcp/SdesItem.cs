namespace Conclave.Media.Transport.Rtcp;

/// <summary>One SDES item: |type|length|text (length bytes, UTF-8, no terminator)| (RFC 3550 §6.5).</summary>
public readonly ref struct SdesItem
{
    /// <summary>Creates an item view.</summary>
    public SdesItem(SdesItemType type, ReadOnlySpan<byte> value) { Type = type; Value = value; }

    /// <summary>The item type.</summary>
    public SdesItemType Type { get; }

    /// <summary>The item text.</summary>
    public ReadOnlySpan<byte> Value { get; }
}
