using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/*  RFC 9180 §5.1.1, §6.1 (mode_base)
      def SetupBaseS(pkR, info):
        shared_secret, enc = Encap(pkR)
        return enc, KeyScheduleS(mode_base, shared_secret, info, default_psk, default_psk_id)

      def SetupBaseR(enc, skR, info):
        shared_secret = Decap(enc, skR)
        return KeyScheduleR(mode_base, shared_secret, info, default_psk, default_psk_id)

      def SealBase(pkR, info, aad, pt):              def OpenBase(enc, skR, info, aad, ct):
        enc, ctx = SetupBaseS(pkR, info)               ctx = SetupBaseR(enc, skR, info)
        ct = ctx.Seal(aad, pt)                         return ctx.Open(aad, ct)
        return enc, ct                                                                                          */
/// <summary>
/// HPKE base mode (RFC 9180 §5.1.1) for wrapping each sender's SFrame base key to each recipient device key: the
/// single-shot <see cref="Seal"/>/<see cref="Open"/> (§6.1) and the context setups (§5.1.1) for several messages
/// or exports. Every peer-supplied input (public key, enc, ciphertext, suite) gives a status, never an exception.
/// </summary>
public static class HpkeBaseMode
{
    /// <summary>
    /// SealBase(pkR, info, aad, pt) (RFC 9180 §6.1): encapsulates to <paramref name="recipientPublicKey"/> and
    /// encrypts <paramref name="plaintext"/> with sequence number 0.
    /// </summary>
    /// <param name="suite">The ciphersuite; the recipient must open with the same one.</param>
    /// <param name="recipientPublicKey">pkRm, Npk bytes (a device key from the directory).</param>
    /// <param name="info">Application context bound into the key schedule (§5.1), e.g. call and sender identifiers.</param>
    /// <param name="aad">Associated data authenticated with the plaintext.</param>
    /// <param name="plaintext">The secret to wrap.</param>
    /// <param name="enc">The encapsulated key (Nenc bytes) to send with the ciphertext; empty on failure.</param>
    /// <param name="ciphertext">plaintext + Nt bytes; empty on failure.</param>
    /// <returns><see cref="HpkeStatus.Ok"/>, <see cref="HpkeStatus.UnsupportedSuite"/>, <see cref="HpkeStatus.InvalidPublicKey"/>
    /// or <see cref="HpkeStatus.InputTooLong"/>.</returns>
    public static HpkeStatus Seal(HpkeSuite suite, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> plaintext, out byte[] enc, out byte[] ciphertext)
    {
        ciphertext = [];
        HpkeStatus status = SetupSender(suite, recipientPublicKey, info, out enc, out HpkeSenderContext? context);
        if (status != HpkeStatus.Ok) return status;
        using (context)
        {
            byte[] sealedBytes = new byte[suite.GetCiphertextLength(plaintext.Length)];
            status = context!.Seal(aad, plaintext, sealedBytes, out _);
            if (status != HpkeStatus.Ok)
            {
                enc = [];
                return status;
            }
            ciphertext = sealedBytes;
            return HpkeStatus.Ok;
        }
    }

    /// <summary>
    /// OpenBase(enc, skR, info, aad, ct) (RFC 9180 §6.1): decapsulates <paramref name="enc"/> with
    /// <paramref name="recipient"/> and decrypts <paramref name="ciphertext"/> (sequence number 0).
    /// </summary>
    /// <param name="plaintext">The unwrapped secret; empty on failure. The caller wipes it after use.</param>
    /// <returns><see cref="HpkeStatus.Ok"/>, or <see cref="HpkeStatus.UnsupportedSuite"/>, <see cref="HpkeStatus.KemMismatch"/>,
    /// <see cref="HpkeStatus.InvalidEncapsulatedKey"/>, <see cref="HpkeStatus.InputTooLong"/>,
    /// <see cref="HpkeStatus.CiphertextTooShort"/> or <see cref="HpkeStatus.AuthenticationFailed"/>.</returns>
    public static HpkeStatus Open(HpkeSuite suite, HpkeKeyPair recipient, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> info, ReadOnlySpan<byte> aad,
        ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        plaintext = [];
        if (ciphertext.Length < HpkeAlgorithms.TagLength) return suite.IsSupported ? HpkeStatus.CiphertextTooShort : HpkeStatus.UnsupportedSuite;
        HpkeStatus status = SetupRecipient(suite, recipient, enc, info, out HpkeRecipientContext? context);
        if (status != HpkeStatus.Ok) return status;
        using (context)
        {
            byte[] opened = new byte[suite.GetPlaintextLength(ciphertext.Length)];
            status = context!.Open(aad, ciphertext, opened, out _);
            if (status == HpkeStatus.Ok) plaintext = opened;
            return status;
        }
    }

    /// <summary>
    /// SetupBaseS(pkR, info) (RFC 9180 §5.1.1): a sender context for several messages or exports, and the enc to
    /// send to the recipient. The context is the caller's to dispose.
    /// </summary>
    /// <returns><see cref="HpkeStatus.Ok"/>, <see cref="HpkeStatus.UnsupportedSuite"/>, <see cref="HpkeStatus.InvalidPublicKey"/>
    /// or <see cref="HpkeStatus.InputTooLong"/>; <paramref name="context"/> is null and <paramref name="enc"/> empty on failure.</returns>
    public static HpkeStatus SetupSender(HpkeSuite suite, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info,
        out byte[] enc, out HpkeSenderContext? context)
    {
        Span<byte> randomness = stackalloc byte[XWingKem.EncapsulationSeedLength];
        randomness = randomness[..suite.Kem.EncapRandomnessLength()];
        try
        {
            RandomNumberGenerator.Fill(randomness);
            return SetupSenderDerand(suite, recipientPublicKey, info, randomness, out enc, out context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(randomness);
        }
    }

    /// <summary>SetupBaseS with given Encap randomness (ikmE or eseed): the public overload passes CSPRNG bytes, the vector tests fixed ones.</summary>
    internal static HpkeStatus SetupSenderDerand(HpkeSuite suite, ReadOnlySpan<byte> recipientPublicKey, ReadOnlySpan<byte> info,
        ReadOnlySpan<byte> encapRandomness, out byte[] enc, out HpkeSenderContext? context)
    {
        enc = [];
        context = null;
        if (!suite.IsSupported) return HpkeStatus.UnsupportedSuite;
        if (!HpkeKeySchedule.IsInfoLengthValid(suite, info.Length)) return HpkeStatus.InputTooLong;

        byte[] encapsulated = new byte[suite.EncapsulatedKeyLength];
        Span<byte> sharedSecret = stackalloc byte[suite.Kem.SecretLength()];
        try
        {
            HpkeStatus status = HpkeKem.Encap(suite.Kem, recipientPublicKey, encapRandomness, sharedSecret, encapsulated);
            if (status != HpkeStatus.Ok) return status;
            context = KeySchedule(suite, sharedSecret, info, static (s, k, n, e) => new HpkeSenderContext(s, k, n, e));
            enc = encapsulated;
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    /// <summary>
    /// SetupBaseR(enc, skR, info) (RFC 9180 §5.1.1): the recipient context matching a sender's
    /// <see cref="SetupSender"/>.
    /// The context is the caller's to dispose.
    /// </summary>
    /// <returns><see cref="HpkeStatus.Ok"/>, <see cref="HpkeStatus.UnsupportedSuite"/>, <see cref="HpkeStatus.KemMismatch"/>,
    /// <see cref="HpkeStatus.InvalidEncapsulatedKey"/> or <see cref="HpkeStatus.InputTooLong"/>; <paramref name="context"/>
    /// is null on failure. A wrong enc or info for an otherwise valid enc shows only when Open fails to authenticate.</returns>
    public static HpkeStatus SetupRecipient(HpkeSuite suite, HpkeKeyPair recipient, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> info,
        out HpkeRecipientContext? context)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        context = null;
        if (!suite.IsSupported) return HpkeStatus.UnsupportedSuite;
        if (recipient.Kem != suite.Kem) return HpkeStatus.KemMismatch;
        if (!HpkeKeySchedule.IsInfoLengthValid(suite, info.Length)) return HpkeStatus.InputTooLong;

        Span<byte> sharedSecret = stackalloc byte[suite.Kem.SecretLength()];
        try
        {
            HpkeStatus status = recipient.Decap(enc, sharedSecret);
            if (status != HpkeStatus.Ok) return status;
            context = KeySchedule(suite, sharedSecret, info, static (s, k, n, e) => new HpkeRecipientContext(s, k, n, e));
            return HpkeStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }

    private delegate T ContextFactory<T>(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> baseNonce, ReadOnlySpan<byte> exporterSecret);

    /// <summary>KeyScheduleS/R (RFC 9180 §5.1): runs the key schedule and hands its outputs to a new context.</summary>
    private static T KeySchedule<T>(HpkeSuite suite, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> info, ContextFactory<T> create)
    {
        Span<byte> key = stackalloc byte[suite.Aead.KeyLength()];
        Span<byte> baseNonce = stackalloc byte[HpkeAlgorithms.NonceLength];
        Span<byte> exporterSecret = stackalloc byte[suite.Kdf.HashLength()];
        try
        {
            HpkeKeySchedule.Derive(suite, sharedSecret, info, key, baseNonce, exporterSecret);
            return create(suite, key, baseNonce, exporterSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(baseNonce);
            CryptographicOperations.ZeroMemory(exporterSecret);
        }
    }
}
