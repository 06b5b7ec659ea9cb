namespace Conclave.Media.Transport.Rtcp;

/// <summary>Packet status symbols (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).</summary>
public enum TransportCcStatus : byte
{
    /// <summary>00: not received (no delta).</summary>
    NotReceived = 0,
    /// <summary>01: received, small delta (1 byte, 0–63.75 ms).</summary>
    ReceivedSmallDelta = 1,
    /// <summary>10: received, large or negative delta (2 bytes signed).</summary>
    ReceivedLargeDelta = 2,
}
