using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/// <summary>Walks the attributes of a message already validated by <see cref="StunMessage.TryRead"/>; never allocates.</summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _next;
    private StunAttribute _current;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> message)
    {
        _message = message;
        _next = StunMessage.HeaderLength;
        _current = default;
    }

    /// <summary>The attribute at the current position.</summary>
    public readonly StunAttribute Current => _current;

    /// <summary>Supports <c>foreach</c>.</summary>
    public readonly StunAttributeEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next attribute.</summary>
    public bool MoveNext()
    {
        // Bounds were checked by TryRead; re-check anyway so a default instance cannot overrun.
        if (_next + StunMessage.AttributeHeaderLength > _message.Length) return false;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(_message[_next..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(_next + 2)..]);
        int valueStart = _next + StunMessage.AttributeHeaderLength;
        if (valueStart + length > _message.Length) return false;
        _current = new StunAttribute(type, _next, _message.Slice(valueStart, length));
        _next = valueStart + StunMessage.Pad4(length);
        return true;
    }
}
