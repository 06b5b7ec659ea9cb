namespace Conclave.Sfu.Forwarding;

/// <summary>Outcome of <see cref="RetransmissionBuffer.Store"/>. Only <see cref="Stored"/> copied the packet.</summary>
public enum RetransmissionStoreStatus
{
    /// <summary>The packet was copied into its slot.</summary>
    Stored = 0,
    /// <summary>A packet with this sequence number is already held (an upstream retransmission or a network duplicate).</summary>
    Duplicate,
    /// <summary>The packet is at least <see cref="RetransmissionBuffer.Capacity"/> sequence numbers behind the newest one.</summary>
    TooOld,
    /// <summary>The packet is longer than <see cref="RetransmissionBuffer.SlotSize"/>.</summary>
    TooLarge,
    /// <summary>RFC 3550 §5.1: shorter than the fixed header or not version 2.</summary>
    Malformed,
}
