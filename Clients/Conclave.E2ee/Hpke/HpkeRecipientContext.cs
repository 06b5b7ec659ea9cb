namespace Conclave.E2ee.Hpke;

/// <summary>
/// The recipient's context, ContextR (RFC 9180 §5.2), from <see cref="HpkeBaseMode.SetupRecipient"/>. It only
/// decrypts: a recipient context MUST NOT be used for encryption (§5.2).
/// </summary>
public sealed class HpkeRecipientContext : HpkeContext
{
    internal HpkeRecipientContext(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> baseNonce, ReadOnlySpan<byte> exporterSecret)
        : base(suite, key, baseNonce, exporterSecret)
    {
    }

    /// <summary>
    /// ContextR.Open(aad, ct) (RFC 9180 §5.2): authenticates and decrypts <paramref name="ciphertext"/> under the
    /// nonce for the current sequence number into <paramref name="plaintext"/> (ciphertext - Nt bytes; it may be
    /// the ciphertext buffer itself), and only then increments the sequence number.
    /// </summary>
    /// <returns>
    /// <see cref="HpkeStatus.AuthenticationFailed"/> (OpenError) when the tag does not verify: the plaintext
    /// bytes are cleared and the sequence number is unchanged. Also <see cref="HpkeStatus.CiphertextTooShort"/>,
    /// <see cref="HpkeStatus.MessageLimitReached"/>, <see cref="HpkeStatus.DestinationTooSmall"/> and
    /// <see cref="HpkeStatus.OverlappingBuffers"/>, with nothing written.
    /// </returns>
    public HpkeStatus Open(ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext, out int written)
    {
        written = 0;
        HpkeAead aead = Aead;
        if (ciphertext.Length < HpkeAlgorithms.TagLength) return HpkeStatus.CiphertextTooShort;
        if (!CanUseSequenceNumber) return HpkeStatus.MessageLimitReached;
        int length = ciphertext.Length - HpkeAlgorithms.TagLength;
        if (plaintext.Length < length) return HpkeStatus.DestinationTooSmall;
        if (OverlapsInexactly(ciphertext, plaintext)) return HpkeStatus.OverlappingBuffers;

        Span<byte> nonce = stackalloc byte[HpkeAlgorithms.NonceLength];
        ComputeNonce(SequenceNumber, nonce);
        if (!aead.Open(nonce, aad, ciphertext, plaintext[..length])) return HpkeStatus.AuthenticationFailed;
        SequenceNumber++;                                            // RFC 9180 §5.2: only after Open succeeds
        written = length;
        return HpkeStatus.Ok;
    }
}
