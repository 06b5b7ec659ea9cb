namespace Conclave.E2ee.Hpke;

/// <summary>
/// The sender's context, ContextS (RFC 9180 §5.2), from <see cref="HpkeBaseMode.SetupSender"/>. It only encrypts:
/// a sender context MUST NOT be used for decryption (§5.2).
/// </summary>
public sealed class HpkeSenderContext : HpkeContext
{
    internal HpkeSenderContext(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> baseNonce, ReadOnlySpan<byte> exporterSecret)
        : base(suite, key, baseNonce, exporterSecret)
    {
    }

    /// <summary>
    /// ContextS.Seal(aad, pt) (RFC 9180 §5.2): encrypts <paramref name="plaintext"/> under the nonce for the current
    /// sequence number into <paramref name="ciphertext"/> (plaintext + Nt bytes; it may be the plaintext buffer
    /// itself), then increments the sequence number.
    /// </summary>
    /// <returns>
    /// <see cref="HpkeStatus.MessageLimitReached"/> when the sequence number is exhausted (§5.2),
    /// <see cref="HpkeStatus.DestinationTooSmall"/> or <see cref="HpkeStatus.OverlappingBuffers"/>; in each case
    /// nothing is written and the sequence number is unchanged.
    /// </returns>
    public HpkeStatus Seal(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, out int written)
    {
        written = 0;
        HpkeAead aead = Aead;
        if (!CanUseSequenceNumber) return HpkeStatus.MessageLimitReached;
        int length = Suite.GetCiphertextLength(plaintext.Length);
        if (ciphertext.Length < length) return HpkeStatus.DestinationTooSmall;
        if (OverlapsInexactly(plaintext, ciphertext)) return HpkeStatus.OverlappingBuffers;

        Span<byte> nonce = stackalloc byte[HpkeAlgorithms.NonceLength];
        ComputeNonce(SequenceNumber, nonce);
        aead.Seal(nonce, aad, plaintext, ciphertext[..length]);
        SequenceNumber++;
        written = length;
        return HpkeStatus.Ok;
    }
}
