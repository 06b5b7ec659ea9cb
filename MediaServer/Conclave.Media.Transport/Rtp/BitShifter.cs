using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// Odd-width big-endian fields on top of <see cref="BinaryPrimitives"/> (after Kestrel's Http2 Bitshifter):
/// 24-bit values appear in abs-send-time, RTCP cumulative loss and the transport-cc reference time.
/// </summary>
internal static class BitShifter
{
    /// <summary>Reads an unsigned 24-bit big-endian value from the first three bytes.</summary>
    public static uint ReadUInt24BigEndian(ReadOnlySpan<byte> source)
        => (uint)(source[0] << 16 | source[1] << 8 | source[2]);

    /// <summary>Reads a two's-complement signed 24-bit big-endian value.</summary>
    public static int ReadInt24BigEndian(ReadOnlySpan<byte> source)
        => (int)(ReadUInt24BigEndian(source) << 8) >> 8;

    /// <summary>Writes the low 24 bits of <paramref name="value"/> big-endian.</summary>
    public static void WriteUInt24BigEndian(Span<byte> destination, uint value)
    {
        destination[2] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[0] = (byte)(value >> 16);
    }

    /// <summary>Writes a signed value as 24-bit two's complement big-endian (low 24 bits kept).</summary>
    public static void WriteInt24BigEndian(Span<byte> destination, int value)
        => WriteUInt24BigEndian(destination, (uint)value & 0xFFFFFF);

    /// <summary>Rounds <paramref name="length"/> up to the next multiple of four (32-bit words).</summary>
    public static int AlignTo32(int length) => (length + 3) & ~3;
}
