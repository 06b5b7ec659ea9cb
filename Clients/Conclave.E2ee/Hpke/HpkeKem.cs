namespace Conclave.E2ee.Hpke;

/// <summary>
/// Encap(pkR) for each KEM (RFC 9180 §4; X-Wing §5.6), given the random bytes it consumes, so the vector tests
/// can fix them. Decap is <see cref="HpkeKeyPair.Decap"/>.
/// </summary>
internal static class HpkeKem
{
    /// <summary>
    /// Encap with <paramref name="randomness"/> of <see cref="HpkeAlgorithms.EncapRandomnessLength"/> bytes (DHKEM:
    /// ikmE, §4.1 with GenerateKeyPair = DeriveKeyPair(ikmE); X-Wing: eseed, §5.4.1). Writes Nsecret and Nenc bytes.
    /// </summary>
    public static HpkeStatus Encap(HpkeKemId kem, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> randomness,
        Span<byte> sharedSecret, Span<byte> enc) => kem switch
    {
        HpkeKemId.DhKemX25519HkdfSha256 => DhKemX25519.Encap(recipientPublicKey, randomness, sharedSecret, enc),
        HpkeKemId.XWing => XWingKem.EncapsulateDerand(recipientPublicKey, randomness, sharedSecret, enc),
        _ => HpkeStatus.UnsupportedSuite,
    };
}
