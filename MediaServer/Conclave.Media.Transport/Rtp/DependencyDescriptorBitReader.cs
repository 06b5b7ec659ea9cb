using System.Numerics;

namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// Most-significant-bit-first reader for the descriptor's f(n) and ns(n) (AV1 RTP Appendix A.4.1). Failure is
/// sticky, as in libwebrtc's BitstreamReader: a read past the end returns 0, sets <see cref="Overrun"/> and leaves
/// the reader at the end, so every "while (flag)" loop of the syntax terminates on truncated input.
/// </summary>
internal ref struct DependencyDescriptorBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public DependencyDescriptorBitReader(ReadOnlySpan<byte> data, int bitPosition)
    {
        _data = data;
        _position = bitPosition;
        Overrun = false;
    }

    /// <summary>True once a read ran past the end.</summary>
    public bool Overrun { readonly get; private set; }

    /// <summary>Bits left to read.</summary>
    public readonly int RemainingBits => _data.Length * 8 - _position;

    /// <summary>A.4.1 f(n) for n in 0..32.</summary>
    public uint ReadBits(int count)
    {
        if (count > RemainingBits)
        {
            Overrun = true;
            _position = _data.Length * 8;
            return 0;
        }
        uint value = 0;
        while (count > 0)
        {
            int used = _position & 7;
            int take = Math.Min(count, 8 - used);
            uint bits = (uint)(_data[_position >> 3] >> (8 - used - take)) & ((1u << take) - 1);
            value = (value << take) | bits;
            _position += take;
            count -= take;
        }
        return value;
    }

    /// <summary>A.4.1 f(1) as a flag.</summary>
    public bool ReadFlag() => ReadBits(1) != 0;

    /* A.4.1 ns(n): non-symmetric unsigned integer in 0..n-1, n >= 1.
       w = bit length of n; m = (1 << w) - n; v = f(w - 1); v < m ? v : (v << 1) - m + f(1) */
    public uint ReadNonSymmetric(uint n)
    {
        int w = 32 - BitOperations.LeadingZeroCount(n);
        uint m = (1u << w) - n;
        uint v = ReadBits(w - 1);
        if (v < m) return v;
        return (v << 1) - m + ReadBits(1);
    }
}
