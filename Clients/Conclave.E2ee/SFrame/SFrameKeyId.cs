namespace Conclave.E2ee.SFrame;

/// <summary>
/// Conclave's SFrame KID layout: <c>kid = (senderIndex &lt;&lt; 8) | epoch</c>. It is the MLS layout of RFC 9605 §5.2
/// with E = 8 epoch bits and context 0: the low byte is the key epoch modulo 256, the upper 56 bits are the
/// sender's per-call participant index (0 to 2^56-1). Every 64-bit KID decodes, so a KID read off the wire always
/// names a sender and an epoch.
/// <code>
///        56 bits             8 bits
///   +----------------------+--------+
///   |     sender index     | epoch  |
///   +----------------------+--------+
/// </code>
/// <para>
/// The epoch wraps after 255. A receiver keeps a sender's keys only for a bounded window of recent epochs
/// (<see cref="SFrameReceiver.RetainedEpochs"/>, at most <see cref="SFrameReceiver.MaxRetainedEpochs"/> besides the
/// current one), so by the time an epoch value comes round again its earlier key is long gone: a wrapped epoch
/// never collides with a key still held. Should it ever arrive early, the new key replaces the old one, as RFC 9605
/// §5.2 requires ("receivers MUST remove an old epoch when a new epoch with the same low-order E bits is
/// introduced").
/// </para>
/// <para>
/// Small indexes keep the header short (§4.3): sender 0 with epochs 0–7 fits in the config byte, and senders below
/// 256 need two KID bytes.
/// </para>
/// </summary>
/// <param name="Value">The 64-bit KID carried in the SFrame header.</param>
public readonly record struct SFrameKeyId(ulong Value)
{
    /// <summary>E: bits of the KID that carry the epoch.</summary>
    public const int EpochBits = 8;

    /// <summary>The largest sender index: 2^56-1.</summary>
    public const ulong MaxSenderIndex = ulong.MaxValue >> EpochBits;

    /// <summary>The participant index of the sender that owns this key.</summary>
    public ulong SenderIndex => Value >> EpochBits;

    /// <summary>The key epoch modulo 256.</summary>
    public byte Epoch => (byte)Value;

    /// <summary>The KID of <paramref name="senderIndex"/>'s key for <paramref name="epoch"/>; only its low 8 bits are kept.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="senderIndex"/> is above <see cref="MaxSenderIndex"/>.</exception>
    public static SFrameKeyId Create(ulong senderIndex, ulong epoch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(senderIndex, MaxSenderIndex);
        return new SFrameKeyId(senderIndex << EpochBits | (byte)epoch);
    }

    /// <summary>The same sender's KID for the following epoch (255 wraps to 0).</summary>
    public SFrameKeyId NextEpoch() => new(Value & ~(ulong)byte.MaxValue | (byte)(Epoch + 1));

    /// <inheritdoc />
    public override string ToString() => $"{Value} (sender {SenderIndex}, epoch {Epoch})";
}
