using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// Any change to header, ciphertext, tag or metadata fails authentication (RFC 9605 §4.4.3: aad = header +
/// metadata; §4.4.4: such frames MUST be discarded) and releases no plaintext.
/// </summary>
public sealed class SFrameTamperTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_flipped_bit_of_the_frame_is_rejected(SFrameCipherSuite suite)
    {
        SFrameKeyId keyId = SFrameKeyId.Create(0x12, 0x34);
        var (sender, receiver) = SFrameTestKeys.Pair(suite, keyId);
        using (sender)
        using (receiver)
        {
            byte[] metadata = SFrameTestKeys.Bytes(12, 3);
            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, SFrameTestKeys.Bytes(40, 4), metadata);
            byte[] plaintext = new byte[ciphertext.Length];

            for (int bit = 0; bit < ciphertext.Length * 8; bit++)
            {
                byte[] tampered = (byte[])ciphertext.Clone();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                plaintext.AsSpan().Fill(0xAA);

                SFrameStatus status = receiver.Decrypt(tampered, metadata, plaintext, out int written, out SFrameHeader header);

                // A header bit may make the header unreadable or name another (unknown) KID; otherwise the tag fails.
                Assert.Contains(status, new[] { SFrameStatus.AuthenticationFailed, SFrameStatus.UnknownKey, SFrameStatus.Malformed });
                if (bit >= 8 * new SFrameHeader(keyId.Value, 0).GetWrittenLength()) Assert.Equal(SFrameStatus.AuthenticationFailed, status);
                Assert.Equal(0, written);
                if (status == SFrameStatus.AuthenticationFailed)
                    Assert.All(plaintext[..(ciphertext.Length - header.GetWrittenLength() - suite.TagLength())], b => Assert.Equal(0, b));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_flipped_bit_of_the_metadata_is_rejected(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(3, 3));
        using (sender)
        using (receiver)
        {
            byte[] metadata = SFrameTestKeys.Bytes(20, 5);
            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, SFrameTestKeys.Bytes(33, 6), metadata);
            byte[] plaintext = new byte[ciphertext.Length];

            for (int bit = 0; bit < metadata.Length * 8; bit++)
            {
                byte[] tampered = (byte[])metadata.Clone();
                tampered[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, tampered, plaintext, out _));
            }
            Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, metadata[..^1], plaintext, out _));
            Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, [], plaintext, out _));
            Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, metadata, plaintext, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_rewritten_counter_is_rejected(SFrameCipherSuite suite)
    {
        // The header is AAD and the CTR makes the nonce: moving a frame to another CTR breaks both.
        SFrameKeyId keyId = SFrameKeyId.Create(0, 2);
        var (sender, receiver) = SFrameTestKeys.Pair(suite, keyId);
        using (sender)
        using (receiver)
        {
            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, SFrameTestKeys.Bytes(50, 9));     // KID 2, CTR 0: one byte
            byte[] plaintext = new byte[ciphertext.Length];
            for (int ctr = 1; ctr < 8; ctr++)
            {
                byte[] moved = (byte[])ciphertext.Clone();
                moved[0] = (byte)(moved[0] & 0xF8 | ctr);
                Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(moved, [], plaintext, out _, out SFrameHeader header));
                Assert.Equal((ulong)ctr, header.Counter);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_frame_under_the_wrong_key_is_rejected(SFrameCipherSuite suite)
    {
        SFrameKeyId keyId = SFrameKeyId.Create(5, 5);
        using var sender = new SFrameSender(suite);
        using var receiver = new SFrameReceiver(suite);
        sender.SetKey(keyId, SFrameTestKeys.BaseKey(1));
        receiver.AddKey(keyId, SFrameTestKeys.BaseKey(2));
        byte[] ciphertext = SFrameTestKeys.Encrypt(sender, new byte[10]);

        Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, [], new byte[10], out _));
    }

    [Fact]
    public void A_frame_from_another_suite_is_rejected()
    {
        SFrameKeyId keyId = SFrameKeyId.Create(5, 5);
        foreach (SFrameCipherSuite from in SFrameTestKeys.Suites)
            foreach (SFrameCipherSuite to in SFrameTestKeys.Suites)
            {
                if (from == to) continue;
                using var sender = new SFrameSender(from);
                using var receiver = new SFrameReceiver(to);
                sender.SetKey(keyId, SFrameTestKeys.BaseKey());
                receiver.AddKey(keyId, SFrameTestKeys.BaseKey());
                byte[] ciphertext = SFrameTestKeys.Encrypt(sender, new byte[40]);      // long enough for any Nt

                Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, [], new byte[ciphertext.Length], out _));
            }
    }
}
