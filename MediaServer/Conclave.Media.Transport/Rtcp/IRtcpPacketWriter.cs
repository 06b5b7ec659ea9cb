namespace Conclave.Media.Transport.Rtcp;

/// <summary>The writer contract shared by every RTCP packet type (pion's MarshalSize / MarshalTo).</summary>
public interface IRtcpPacketWriter
{
    /// <summary>Bytes <see cref="TryWrite"/> will produce (a multiple of 4).</summary>
    int GetWrittenLength();

    /// <summary>Writes the packet; false if <paramref name="destination"/> is too small or a field is out of range.</summary>
    bool TryWrite(Span<byte> destination, out int written);
}
