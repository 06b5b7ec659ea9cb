namespace Conclave.Media.Transport.Rtcp;

/// <summary>
/// One packet's feedback in a transport-cc message. <paramref name="Delta"/> is in 250 µs ticks
/// relative to the previous received packet (or the reference time for the first), 0 if not received.
/// </summary>
public readonly record struct TransportCcPacket(ushort SequenceNumber, TransportCcStatus Status, int Delta)
{
    /// <summary>Tick length of a receive delta.</summary>
    public const int MicrosecondsPerTick = 250;

    /// <summary>The delta in microseconds.</summary>
    public long DeltaMicroseconds => (long)Delta * MicrosecondsPerTick;
}
