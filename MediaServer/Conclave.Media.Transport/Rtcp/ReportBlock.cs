using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Rtcp;

/*  RFC 3550 §6.4.1 report block (24 bytes)
    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    |                 SSRC_1 (SSRC of first source)                 |
    | fraction lost |       cumulative number of packets lost       |
    |           extended highest sequence number received           |
    |                      interarrival jitter                      |
    |                         last SR (LSR)                         |
    |                   delay since last SR (DLSR)                  |
    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
*/
/// <summary>A reception report block, read from and written to SR/RR packets.</summary>
public struct ReportBlock
{
    /// <summary>Size on the wire.</summary>
    public const int Length = 24;

    /// <summary>RFC 3550 App. A.3: cumulative loss saturates at the 24-bit signed range.</summary>
    public const int MaxCumulativeLost = 0x7FFFFF;

    /// <summary>Smallest representable cumulative loss.</summary>
    public const int MinCumulativeLost = -0x800000;

    /// <summary>SSRC of the reported source.</summary>
    public uint Ssrc;
    /// <summary>Fraction lost since the previous report, in 1/256.</summary>
    public byte FractionLost;
    /// <summary>Cumulative packets lost (24-bit signed; duplicates can make it negative).</summary>
    public int CumulativeLost;
    /// <summary>Extended highest sequence number received.</summary>
    public uint ExtendedHighestSequenceNumber;
    /// <summary>Interarrival jitter in timestamp units.</summary>
    public uint Jitter;
    /// <summary>Middle 32 bits of the last SR's NTP timestamp.</summary>
    public uint LastSenderReport;
    /// <summary>Delay since the last SR, in 1/65536 s.</summary>
    public uint DelaySinceLastSenderReport;

    /// <summary>Reads a block from 24 bytes.</summary>
    public static ReportBlock Read(ReadOnlySpan<byte> source) => new()
    {
        Ssrc = BinaryPrimitives.ReadUInt32BigEndian(source),
        FractionLost = source[4],
        CumulativeLost = BitShifter.ReadInt24BigEndian(source[5..]),
        ExtendedHighestSequenceNumber = BinaryPrimitives.ReadUInt32BigEndian(source[8..]),
        Jitter = BinaryPrimitives.ReadUInt32BigEndian(source[12..]),
        LastSenderReport = BinaryPrimitives.ReadUInt32BigEndian(source[16..]),
        DelaySinceLastSenderReport = BinaryPrimitives.ReadUInt32BigEndian(source[20..]),
    };

    /// <summary>Writes the block into 24 bytes, clamping the cumulative loss (RFC 3550 App. A.3).</summary>
    public readonly void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        destination[4] = FractionLost;
        BitShifter.WriteInt24BigEndian(destination[5..], Math.Clamp(CumulativeLost, MinCumulativeLost, MaxCumulativeLost));
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }
}
