namespace Conclave.Media.Transport.Stun;

/// <summary>One attribute TLV inside a parsed <see cref="StunMessage"/>, without its padding.</summary>
public readonly ref struct StunAttribute
{
    internal StunAttribute(ushort type, int offset, ReadOnlySpan<byte> value)
    {
        Type = type;
        Offset = offset;
        Value = value;
    }

    /// <summary>The raw 16-bit type (may be one this library does not know).</summary>
    public ushort Type { get; }

    /// <summary>Offset of the attribute's type field from the start of the message.</summary>
    public int Offset { get; }

    /// <summary>The value bytes, excluding padding.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>RFC 8489 §14: types 0x0000-0x7FFF must be understood by the receiver.</summary>
    public bool IsComprehensionRequired => Type < 0x8000;
}
