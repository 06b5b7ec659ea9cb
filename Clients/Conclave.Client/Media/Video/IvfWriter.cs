using System.Buffers.Binary;

namespace Conclave.Client.Media.Video;

/// <summary>Writes the headers of an IVF stream of VP8 (the layout <see cref="IvfReader"/> reads), with a 90 kHz
/// timebase so that RTP timestamps are presentation times as they are.</summary>
public static class IvfWriter
{
    /// <summary>The file header: "DKIF", version 0, 32 bytes, "VP80", the picture size, timebase 1/90000.</summary>
    public static void WriteFileHeader(Span<byte> destination, int width, int height)
    {
        destination[..IvfReader.FileHeaderLength].Clear();
        "DKIF"u8.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], IvfReader.FileHeaderLength);
        "VP80"u8.CopyTo(destination[8..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[14..], (ushort)height);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Vp8VideoSender.ClockRate);   // rate
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], 1);                           // scale
    }

    /// <summary>A frame header: its size and presentation time in 1/90000 s.</summary>
    public static void WriteFrameHeader(Span<byte> destination, int size, long presentationTime)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)size);
        BinaryPrimitives.WriteInt64LittleEndian(destination[4..], presentationTime);
    }

    /// <summary>RFC 6386 §9.1: a keyframe's picture size (the low 14 bits of bytes 6-7 and 8-9).</summary>
    public static (int Width, int Height) KeyframeSize(ReadOnlySpan<byte> keyframe) =>
        (BinaryPrimitives.ReadUInt16LittleEndian(keyframe[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(keyframe[8..]) & 0x3FFF);
}
