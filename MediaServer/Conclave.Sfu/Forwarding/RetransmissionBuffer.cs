using System.Buffers.Binary;
using System.Numerics;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Sfu.Forwarding;

/// <summary>
/// Copies of the latest packets of one incoming RTP stream (one SSRC of a producer, SRTP already removed), kept to
/// answer subscribers' Generic NACKs (RFC 4585 §6.2.1) from the SFU instead of the publisher. Slot
/// <c>sequence number mod Capacity</c> holds the packet with that number. All slots are allocated up front:
/// storing and copying out allocate nothing.
/// </summary>
/// <remarks>
/// Arrival times are passed in (ticks of the constructor's timestamp frequency); a packet older than
/// <see cref="MaxAge"/> when asked for is not returned, since the subscriber's jitter buffer has given up on it.
/// Not thread-safe: the caller serializes <see cref="Store"/> and <see cref="TryCopyTo"/>.
/// </remarks>
public sealed class RetransmissionBuffer
{
    /// <summary>Default number of slots.</summary>
    public const int DefaultCapacity = 512;

    /// <summary>Default slot size in bytes: an Ethernet MTU, above any packet a WebRTC sender emits.</summary>
    public const int DefaultSlotSize = 1500;

    /// <summary>Default age after which a stored packet is no longer returned.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(1);

    private readonly byte[] _data;              // Owned: Capacity × SlotSize bytes, slot i at i × SlotSize
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly long _maxAgeTicks;
    private bool _hasHighest;
    private ushort _highest;                    // highest sequence number stored
    private int _badSequence = -1;              // RFC 3550 §A.1 bad_seq: the number that would confirm a restart

    /// <summary>Creates a buffer with the default capacity, slot size and maximum age.</summary>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    public RetransmissionBuffer(long timestampFrequency)
        : this(timestampFrequency, DefaultCapacity, DefaultSlotSize, DefaultMaxAge)
    {
    }

    /// <summary>Creates a buffer.</summary>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    /// <param name="capacity">Number of slots, a power of two from 16 to 32768.</param>
    /// <param name="slotSize">Largest packet kept, in bytes (at least the 12-byte fixed header).</param>
    /// <param name="maxAge">Age after which a stored packet is no longer returned.</param>
    public RetransmissionBuffer(long timestampFrequency, int capacity, int slotSize, TimeSpan maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        // 32768: a signed 16-bit distance (RFC 3550 §A.1) cannot look further back.
        if (capacity is < 16 or > 32768 || !BitOperations.IsPow2(capacity))
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Expected a power of two from 16 to 32768.");
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, RtpHeader.FixedLength);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _data = GC.AllocateUninitializedArray<byte>(checked(capacity * slotSize));
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        SlotSize = slotSize;
        MaxAge = maxAge;
        _maxAgeTicks = (long)Int128.Min((Int128)maxAge.Ticks * timestampFrequency / TimeSpan.TicksPerSecond, long.MaxValue);
    }

    /// <summary>Number of slots: how many consecutive sequence numbers can be held.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Largest packet kept, in bytes.</summary>
    public int SlotSize { get; }

    /// <summary>Age after which a stored packet is no longer returned.</summary>
    public TimeSpan MaxAge { get; }

    /// <summary>
    /// Copies <paramref name="packet"/> into the slot of its sequence number. Never throws, never allocates.
    /// </summary>
    /// <param name="packet">An RTP packet after SRTP unprotect; the caller has validated it.</param>
    /// <param name="arrivalTimestamp">When it arrived, in ticks of the constructor's timestamp frequency.</param>
    public RetransmissionStoreStatus Store(ReadOnlySpan<byte> packet, long arrivalTimestamp)
    {
        if (packet.Length < RtpHeader.FixedLength || packet[0] >> 6 != 2) return RetransmissionStoreStatus.Malformed;
        if (packet.Length > SlotSize) return RetransmissionStoreStatus.TooLarge;
        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (!_hasHighest)
        {
            _hasHighest = true;
            _highest = sequence;
        }
        else
        {
            // RFC 3550 §A.1: sequence numbers are ordered by their signed 16-bit distance from the highest one.
            int delta = (short)(sequence - _highest);
            if (delta > 0)
            {
                Forget(_highest, delta - 1);            // lost or late: whatever those slots held is older
                _highest = sequence;
            }
            else if (delta <= -_slots.Length)
            {
                // RFC 3550 §A.1: after a very large jump, a restarted sender is assumed only once the next packet
                // follows in sequence; until then the packet is too old for the window.
                if (sequence != _badSequence)
                {
                    _badSequence = (ushort)(sequence + 1);
                    return RetransmissionStoreStatus.TooOld;
                }
                Array.Clear(_slots);
                _highest = sequence;
            }
            else if (IsHeld(sequence))
            {
                return RetransmissionStoreStatus.Duplicate;
            }
        }
        int index = sequence & _mask;
        packet.CopyTo(_data.AsSpan(index * SlotSize, SlotSize));
        _slots[index] = new Slot(sequence, packet.Length, arrivalTimestamp);
        return RetransmissionStoreStatus.Stored;
    }

    /// <summary>
    /// Copies the stored packet with <paramref name="sequenceNumber"/> into <paramref name="destination"/>, unchanged
    /// (the caller then rewrites its header for the subscriber). False if it is not held, is older than
    /// <see cref="MaxAge"/> at <paramref name="now"/>, or does not fit. Never allocates.
    /// </summary>
    /// <param name="sequenceNumber">The source sequence number.</param>
    /// <param name="now">The current time, in ticks of the constructor's timestamp frequency.</param>
    /// <param name="destination">Where to copy; <see cref="SlotSize"/> bytes always suffice.</param>
    /// <param name="written">The packet length.</param>
    public bool TryCopyTo(ushort sequenceNumber, long now, Span<byte> destination, out int written)
    {
        written = 0;
        int index = sequenceNumber & _mask;
        ref readonly var slot = ref _slots[index];
        if (slot.Length == 0 || slot.SequenceNumber != sequenceNumber) return false;
        if (now - slot.ArrivalTimestamp > _maxAgeTicks || destination.Length < slot.Length) return false;
        _data.AsSpan(index * SlotSize, slot.Length).CopyTo(destination);
        written = slot.Length;
        return true;
    }

    private bool IsHeld(ushort sequence)
    {
        ref readonly var slot = ref _slots[sequence & _mask];
        return slot.Length != 0 && slot.SequenceNumber == sequence;
    }

    // Empties the slots of the `count` sequence numbers after `after`; beyond the ring, all of them.
    private void Forget(ushort after, int count)
    {
        if (count >= _slots.Length)
        {
            Array.Clear(_slots);
            return;
        }
        for (int i = 1; i <= count; i++) _slots[(after + i) & _mask] = default;
    }

    // Length 0 marks an empty slot: a stored packet has at least the 12-byte fixed header.
    private readonly struct Slot(ushort sequenceNumber, int length, long arrivalTimestamp)
    {
        public long ArrivalTimestamp { get; } = arrivalTimestamp;
        public int Length { get; } = length;
        public ushort SequenceNumber { get; } = sequenceNumber;
    }
}
