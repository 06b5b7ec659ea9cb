namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// The packets sent to one subscriber by transport-wide sequence number
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2): when each was sent, how big it was, and what the
/// subscriber's transport-cc feedback (§3.1) has said of it so far. A ring of <see cref="Capacity"/> slots, so
/// feedback about packets older than that many sends is ignored; nothing is allocated after construction.
/// </summary>
/// <remarks>Not thread-safe: sends and feedback of one subscriber are handled on the media port's receive thread.</remarks>
internal sealed class TransportSendHistory
{
    /// <summary>Slots: about 2.7 s of a subscriber receiving 3,000 packets a second.</summary>
    public const int Capacity = 1 << 13;

    private readonly Slot[] _slots = new Slot[Capacity];
    private ushort _next = 1;                       // libwebrtc starts at 1 too; any start is valid

    /// <summary>Records a packet of <paramref name="bytes"/> sent at <paramref name="timestamp"/> and returns the
    /// transport-wide sequence number to stamp on it.</summary>
    public ushort Add(int bytes, long timestamp)
    {
        ushort sequence = _next++;
        _slots[sequence & (Capacity - 1)] = new Slot(sequence, timestamp, bytes, FeedbackState.Unreported, true);
        return sequence;
    }

    /// <summary>The send record of <paramref name="sequence"/>, if it is still in the ring.</summary>
    public bool TryGet(ushort sequence, out long sentAt, out int bytes, out FeedbackState state)
    {
        ref Slot slot = ref _slots[sequence & (Capacity - 1)];
        bool found = slot.InUse && slot.Sequence == sequence;
        sentAt = found ? slot.SentAt : 0;
        bytes = found ? slot.Bytes : 0;
        state = found ? slot.State : FeedbackState.Unreported;
        return found;
    }

    /// <summary>Notes what feedback said of <paramref name="sequence"/> (found by <see cref="TryGet"/>).</summary>
    public void SetState(ushort sequence, FeedbackState state)
    {
        ref Slot slot = ref _slots[sequence & (Capacity - 1)];
        if (slot.InUse && slot.Sequence == sequence) slot.State = state;
    }

    /// <summary>What feedback has said of a packet.</summary>
    public enum FeedbackState : byte
    {
        /// <summary>Nothing yet.</summary>
        Unreported,

        /// <summary>Reported not received (it may still be reported received later, if it was only late).</summary>
        ReportedLost,

        /// <summary>Reported received.</summary>
        Received,
    }

    private record struct Slot(ushort Sequence, long SentAt, int Bytes, FeedbackState State, bool InUse);
}
