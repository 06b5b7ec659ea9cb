namespace Conclave.Media.Transport.Rtp;

/// <summary>One RFC 8285 extension element: its local id and value (a slice of the packet).</summary>
public readonly ref struct RtpHeaderExtension
{
    /// <summary>Creates an element view.</summary>
    public RtpHeaderExtension(byte id, ReadOnlySpan<byte> value, int valueOffset)
    {
        Id = id;
        Value = value;
        ValueOffset = valueOffset;
    }

    /// <summary>The local identifier (1–14 one-byte, 1–255 two-byte).</summary>
    public byte Id { get; }

    /// <summary>The element data.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of <see cref="Value"/> from the start of the extension body, for in-place rewriting.</summary>
    public int ValueOffset { get; }
}
