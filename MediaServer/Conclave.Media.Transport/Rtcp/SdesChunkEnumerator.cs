using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/// <summary>Iterates the chunks of a validated SDES packet.</summary>
public ref struct SdesChunkEnumerator
{
    private readonly ReadOnlySpan<byte> _body;
    private int _offset;
    private int _remaining;

    internal SdesChunkEnumerator(ReadOnlySpan<byte> body, int count) { _body = body; _offset = 0; _remaining = count; Current = default; }

    /// <summary>The current chunk.</summary>
    public SdesChunk Current { get; private set; }

    /// <summary>Enables foreach.</summary>
    public readonly SdesChunkEnumerator GetEnumerator() => this;

    /// <summary>Advances to the next chunk.</summary>
    public bool MoveNext()
    {
        if (_remaining == 0) return false;
        int next = SdesPacket.SkipChunk(_body, _offset, out int itemsEnd);
        if (next < 0) { _remaining = 0; return false; }
        Current = new SdesChunk(BinaryPrimitives.ReadUInt32BigEndian(_body[_offset..]), _body[(_offset + 4)..itemsEnd]);
        _offset = next;
        _remaining--;
        return true;
    }
}
