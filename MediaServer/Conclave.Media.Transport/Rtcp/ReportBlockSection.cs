namespace Conclave.Media.Transport.Rtcp;

/// <summary>
/// The part SR and RR share (RFC 3550 §6.4.1, §6.4.2): up to 31 report blocks after the fixed part, then
/// profile-specific extensions in 32-bit words. One implementation for both readers and both writers.
/// </summary>
internal static class ReportBlockSection
{
    /// <summary>RC is a 5-bit field.</summary>
    public const int MaxReportBlocks = 31;

    /// <summary>Report block <paramref name="index"/> of a body whose blocks start at <paramref name="start"/>.</summary>
    public static ReportBlock Get(ReadOnlySpan<byte> body, int start, int count, int index)
    {
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
        return ReportBlock.Read(body[(start + ReportBlock.Length * index)..]);
    }

    /// <summary>The extensions after <paramref name="count"/> blocks starting at <paramref name="start"/>.</summary>
    public static ReadOnlySpan<byte> Extensions(ReadOnlySpan<byte> body, int start, int count) =>
        body[(start + ReportBlock.Length * count)..];

    /// <summary>Whether a body holds <paramref name="count"/> blocks after <paramref name="start"/> bytes.</summary>
    public static bool Fits(ReadOnlySpan<byte> body, int start, int count) => body.Length >= start + ReportBlock.Length * count;

    /// <summary>Packet length of a report whose blocks start at <paramref name="start"/> bytes into the packet.</summary>
    public static int WrittenLength(int start, ReadOnlySpan<ReportBlock> blocks, ReadOnlySpan<byte> extensions) =>
        start + ReportBlock.Length * blocks.Length + extensions.Length;

    /// <summary>Whether the blocks and extensions can be written in <paramref name="length"/> bytes of <paramref name="destination"/>.</summary>
    public static bool CanWrite(ReadOnlySpan<ReportBlock> blocks, ReadOnlySpan<byte> extensions, int length, Span<byte> destination) =>
        blocks.Length <= MaxReportBlocks && extensions.Length % 4 == 0 && length <= 4 * 65536 && destination.Length >= length;

    /// <summary>Writes the blocks then the extensions at <paramref name="start"/>.</summary>
    public static void Write(Span<byte> destination, int start, ReadOnlySpan<ReportBlock> blocks, ReadOnlySpan<byte> extensions)
    {
        int offset = start;
        for (int i = 0; i < blocks.Length; i++, offset += ReportBlock.Length)
            blocks[i].Write(destination[offset..]);
        extensions.CopyTo(destination[offset..]);
    }
}
