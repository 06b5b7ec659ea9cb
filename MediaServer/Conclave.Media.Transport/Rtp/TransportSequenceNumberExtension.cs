using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/*  draft-holmer-rmcat-transport-wide-cc-extensions-01 §2
    |  ID   | L=1   |transport-wide sequence number |
*/
/// <summary>Reader/writer for the transport-wide sequence number element.</summary>
public static class TransportSequenceNumberExtension
{
    /// <summary>Value length in bytes.</summary>
    public const int Length = 2;

    /// <summary>The extmap URI.</summary>
    public const string Uri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /// <summary>Reads the 16-bit sequence number.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out ushort sequenceNumber)
    {
        if (value.Length < Length) { sequenceNumber = 0; return false; }
        sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    /// <summary>Writes the 16-bit sequence number.</summary>
    public static bool TryWrite(Span<byte> destination, ushort sequenceNumber)
        => BinaryPrimitives.TryWriteUInt16BigEndian(destination, sequenceNumber);
}
