using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtcp;

/// <summary>Walks the chunks and deltas of a validated transport-cc packet in lockstep.</summary>
public ref struct TransportCcEnumerator
{
    private readonly ReadOnlySpan<byte> _chunks;
    private readonly ReadOnlySpan<byte> _deltas;
    private readonly ushort _baseSequence;
    private readonly int _count;
    private int _produced;
    private int _chunkOffset;
    private ushort _chunk;
    private int _indexInChunk;
    private int _capacity;
    private int _deltaOffset;

    internal TransportCcEnumerator(ReadOnlySpan<byte> chunks, ReadOnlySpan<byte> deltas, ushort baseSequence, int count)
    {
        _chunks = chunks;
        _deltas = deltas;
        _baseSequence = baseSequence;
        _count = count;
        _produced = 0;
        _chunkOffset = 0;
        _chunk = 0;
        _indexInChunk = 0;
        _capacity = 0;
        _deltaOffset = 0;
        Current = default;
    }

    /// <summary>The current packet.</summary>
    public TransportCcPacket Current { get; private set; }

    /// <summary>Advances to the next packet.</summary>
    public bool MoveNext()
    {
        if (_produced >= _count) return false;
        while (_indexInChunk >= _capacity)
        {
            if (_chunkOffset + 2 > _chunks.Length) { _produced = _count; return false; }
            _chunk = BinaryPrimitives.ReadUInt16BigEndian(_chunks[_chunkOffset..]);
            _chunkOffset += 2;
            _capacity = TransportCcChunk.Capacity(_chunk);
            _indexInChunk = 0;
        }
        var status = (TransportCcStatus)TransportCcChunk.Symbol(_chunk, _indexInChunk++);
        int delta = 0;
        if (status == TransportCcStatus.ReceivedSmallDelta)
        {
            delta = _deltas[_deltaOffset];
            _deltaOffset += 1;
        }
        else if (status == TransportCcStatus.ReceivedLargeDelta)
        {
            delta = BinaryPrimitives.ReadInt16BigEndian(_deltas[_deltaOffset..]);
            _deltaOffset += 2;
        }
        Current = new TransportCcPacket((ushort)(_baseSequence + _produced), status, delta);
        _produced++;
        return true;
    }
}
