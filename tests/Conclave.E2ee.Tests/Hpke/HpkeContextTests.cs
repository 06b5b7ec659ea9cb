using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>Context rules of RFC 9180 §5.2 (sequence numbers, nonce limit) and §5.3 (export lengths), plus buffers.</summary>
public sealed class HpkeContextTests
{
    public static TheoryData<HpkeKemId> Kems => HpkeTestKeys.Kems;

    private static (HpkeSenderContext Sender, HpkeRecipientContext Recipient) Pair(HpkeSuite suite)
    {
        using HpkeKeyPair key = HpkeKeyPair.Generate(suite.Kem);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupSender(suite, key.PublicKey, HpkeTestKeys.Info, out byte[] enc, out HpkeSenderContext? sender));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupRecipient(suite, key, enc, HpkeTestKeys.Info, out HpkeRecipientContext? recipient));
        return (sender!, recipient!);
    }

    [Fact]
    public void The_last_sequence_number_is_never_used()
    {
        // RFC 9180 §5.2: IncrementSeq raises MessageLimitReachedError at 2^(8*Nn) - 1; this context's seq is 64-bit.
        var (sender, recipient) = Pair(HpkeSuite.X25519Sha256Aes128Gcm);
        using (sender)
        using (recipient)
        {
            byte[] ct = new byte[17], pt = new byte[1];
            sender.SequenceNumber = recipient.SequenceNumber = ulong.MaxValue - 1;

            Assert.Equal(HpkeStatus.Ok, sender.Seal([], [7], ct, out _));
            Assert.Equal(HpkeStatus.Ok, recipient.Open([], ct, pt, out _));
            Assert.Equal(ulong.MaxValue, sender.SequenceNumber);

            byte[] untouched = new byte[17];
            Assert.Equal(HpkeStatus.MessageLimitReached, sender.Seal([], [7], untouched, out int written));
            Assert.Equal(0, written);
            Assert.All(untouched, b => Assert.Equal(0, b));
            Assert.Equal(HpkeStatus.MessageLimitReached, recipient.Open([], ct, pt, out written));
            Assert.Equal(0, written);
            Assert.Equal(ulong.MaxValue, sender.SequenceNumber);
        }
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_failed_open_keeps_the_sequence_number_and_clears_the_output(HpkeKemId kem)
    {
        var (sender, recipient) = Pair(HpkeTestKeys.ConclaveSuite(kem));
        using (sender)
        using (recipient)
        {
            byte[] first = new byte[26], second = new byte[26], pt = new byte[10];
            Assert.Equal(HpkeStatus.Ok, sender.Seal([], HpkeTestKeys.Bytes(10, 1), first, out _));
            Assert.Equal(HpkeStatus.Ok, sender.Seal([], HpkeTestKeys.Bytes(10, 2), second, out _));

            // Out of order: the second message under the first nonce fails, and nothing advances.
            Assert.Equal(HpkeStatus.AuthenticationFailed, recipient.Open([], second, pt, out int written));
            Assert.Equal(0, written);
            Assert.All(pt, b => Assert.Equal(0, b));
            Assert.Equal(0UL, recipient.SequenceNumber);

            Assert.Equal(HpkeStatus.Ok, recipient.Open([], first, pt, out _));
            Assert.Equal(HpkeTestKeys.Bytes(10, 1), pt);
            Assert.Equal(HpkeStatus.Ok, recipient.Open([], second, pt, out _));
            Assert.Equal(HpkeTestKeys.Bytes(10, 2), pt);
            Assert.Equal(2UL, recipient.SequenceNumber);
        }
    }

    [Fact]
    public void Short_or_overlapping_buffers_are_refused_without_spending_a_sequence_number()
    {
        var (sender, recipient) = Pair(HpkeSuite.X25519Sha256Aes128Gcm);
        using (sender)
        using (recipient)
        {
            byte[] buffer = new byte[64];
            Assert.Equal(HpkeStatus.DestinationTooSmall, sender.Seal([], new byte[10], new byte[25], out _));
            Assert.Equal(HpkeStatus.OverlappingBuffers, sender.Seal([], buffer.AsSpan(4, 10), buffer, out _));
            Assert.Equal(0UL, sender.SequenceNumber);

            byte[] ct = new byte[26];
            Assert.Equal(HpkeStatus.Ok, sender.Seal([], new byte[10], ct, out _));
            Assert.Equal(HpkeStatus.CiphertextTooShort, recipient.Open([], ct.AsSpan(0, 15), buffer, out _));
            Assert.Equal(HpkeStatus.DestinationTooSmall, recipient.Open([], ct, new byte[9], out _));
            ct.CopyTo(buffer, 4);
            Assert.Equal(HpkeStatus.OverlappingBuffers, recipient.Open([], buffer.AsSpan(4, 26), buffer, out _));
            Assert.Equal(0UL, recipient.SequenceNumber);
            Assert.Equal(HpkeStatus.Ok, recipient.Open([], ct, new byte[10], out _));
        }
    }

    [Theory]
    [InlineData(HpkeKdfId.HkdfSha256, 255 * 32)]                // RFC 9180 §5.3: L <= 255 * Nh for HKDF
    [InlineData(HpkeKdfId.Shake256, 65_535)]                    // I2OSP(L, 2) bounds a one-stage KDF
    public void Export_lengths_are_bounded(HpkeKdfId kdf, int maxLength)
    {
        var (sender, recipient) = Pair(new HpkeSuite(HpkeKemId.DhKemX25519HkdfSha256, kdf, HpkeAeadId.Aes128Gcm));
        using (sender)
        using (recipient)
        {
            byte[] a = new byte[maxLength], b = new byte[maxLength];
            Assert.Equal(HpkeStatus.Ok, sender.Export("ctx"u8, a));
            Assert.Equal(HpkeStatus.Ok, recipient.Export("ctx"u8, b));
            Assert.Equal(a, b);
            Assert.Equal(HpkeStatus.InvalidExportLength, sender.Export("ctx"u8, new byte[maxLength + 1]));
            Assert.Equal(HpkeStatus.InvalidExportLength, sender.Export("ctx"u8, []));
        }
    }

    [Fact]
    public void Export_does_not_depend_on_the_sequence_number()
    {
        var (sender, recipient) = Pair(HpkeSuite.XWingSha256Aes128Gcm);
        using (sender)
        using (recipient)
        {
            byte[] before = new byte[32], after = new byte[32];
            Assert.Equal(HpkeStatus.Ok, sender.Export([], before));
            Assert.Equal(HpkeStatus.Ok, sender.Seal([], [1, 2, 3], new byte[19], out _));
            Assert.Equal(HpkeStatus.Ok, sender.Export([], after));
            Assert.Equal(before, after);
        }
    }

    [Fact]
    public void A_disposed_context_cannot_be_used()
    {
        var (sender, recipient) = Pair(HpkeSuite.X25519Sha256Aes128Gcm);
        sender.Dispose();
        recipient.Dispose();
        sender.Dispose();                                            // idempotent

        Assert.Throws<ObjectDisposedException>(() => sender.Seal([], [1], new byte[17], out _));
        Assert.Throws<ObjectDisposedException>(() => recipient.Open([], new byte[17], new byte[1], out _));
        Assert.Throws<ObjectDisposedException>(() => sender.Export([], new byte[8]));
    }

    [Fact]
    public void Contexts_print_no_key_material()
    {
        var (sender, recipient) = Pair(HpkeSuite.X25519Sha256Aes128Gcm);
        using (sender)
        using (recipient)
        {
            Assert.Equal(typeof(HpkeSenderContext).FullName, sender.ToString());
            Assert.Equal(typeof(HpkeRecipientContext).FullName, recipient.ToString());
        }
    }
}
