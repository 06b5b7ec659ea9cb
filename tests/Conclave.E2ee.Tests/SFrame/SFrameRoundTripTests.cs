using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>Sender to receiver for every suite, frame size and buffer arrangement (RFC 9605 §4.4.3–§4.4.4).</summary>
public sealed class SFrameRoundTripTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    // Around the AES block (16) and the 2 KiB keystream chunk, plus a large video key frame.
    private static readonly int[] Sizes = [0, 1, 15, 16, 17, 255, 1200, 2047, 2048, 2049, 4097, 150_000];

    [Theory]
    [MemberData(nameof(Suites))]
    public void Frames_of_every_size_round_trip(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(9, 3));
        using (sender)
        using (receiver)
        {
            foreach (int size in Sizes)
            {
                byte[] plaintext = SFrameTestKeys.Bytes(size, size);
                byte[] ciphertext = SFrameTestKeys.Encrypt(sender, plaintext);
                byte[] decrypted = new byte[receiver.GetMaxPlaintextLength(ciphertext.Length)];

                Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, [], decrypted, out int written));

                Assert.Equal(plaintext, decrypted[..written]);
                if (size >= 16) Assert.NotEqual(plaintext, ciphertext.AsSpan(ciphertext.Length - size - suite.TagLength(), size).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Metadata_of_every_size_is_authenticated(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(1, 1));
        using (sender)
        using (receiver)
        {
            // Past 256 bytes the GCM AAD is joined in a pooled array instead of on the stack.
            foreach (int size in new[] { 0, 1, 239, 240, 256, 300, 5000 })
            {
                byte[] metadata = SFrameTestKeys.Bytes(size, 1000 + size), plaintext = SFrameTestKeys.Bytes(100, size);
                byte[] ciphertext = SFrameTestKeys.Encrypt(sender, plaintext, metadata);
                byte[] decrypted = new byte[plaintext.Length];

                Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, metadata, decrypted, out _));
                Assert.Equal(plaintext, decrypted);

                byte[] other = [.. metadata, 0];
                Assert.Equal(SFrameStatus.AuthenticationFailed, receiver.Decrypt(ciphertext, other, decrypted, out _));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_and_decrypt_work_in_place(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(2, 0));
        using (sender)
        using (receiver)
        {
            byte[] plaintext = SFrameTestKeys.Bytes(3000, 7);
            byte[] buffer = new byte[plaintext.Length + sender.MaxOverhead];
            for (int offset = 0; offset <= SFrameHeader.MaxLength; offset += 4)
            {
                // The plaintext sits at some offset in the buffer that receives the ciphertext.
                Array.Clear(buffer);
                plaintext.CopyTo(buffer, offset);
                Assert.Equal(SFrameStatus.Ok, sender.Encrypt(buffer.AsSpan(offset, plaintext.Length), [], buffer, out int written));

                // And the plaintext goes back over the ciphertext it came from.
                Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(buffer.AsSpan(0, written), [], buffer, out int plain));
                Assert.Equal(plaintext, buffer[..plain]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_into_a_later_part_of_the_same_buffer_works(SFrameCipherSuite suite)
    {
        var (sender, receiver) = SFrameTestKeys.Pair(suite, SFrameKeyId.Create(2, 0));
        using (sender)
        using (receiver)
        {
            byte[] plaintext = SFrameTestKeys.Bytes(500, 8);
            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, plaintext);
            byte[] buffer = new byte[ciphertext.Length + 40];
            ciphertext.CopyTo(buffer, 0);

            Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(buffer.AsSpan(0, ciphertext.Length), [], buffer.AsSpan(30), out int written));

            Assert.Equal(plaintext, buffer.AsSpan(30, written).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Ciphertext_length_is_predicted_exactly(SFrameCipherSuite suite)
    {
        using var sender = new SFrameSender(suite);
        Assert.Equal(100 + suite.MaxOverhead(), sender.GetCiphertextLength(100));      // no key: the upper bound

        sender.SetKey(SFrameKeyId.Create(0, 5), SFrameTestKeys.BaseKey(), firstCounter: 5);
        for (int i = 0; i < 6; i++)                                 // CTR 5..10 crosses from inline to one byte
        {
            int expected = sender.GetCiphertextLength(100);
            Assert.Equal(expected, SFrameTestKeys.Encrypt(sender, new byte[100]).Length);
            Assert.True(expected <= 100 + sender.MaxOverhead);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Different_kids_with_one_base_key_give_different_ciphertexts(SFrameCipherSuite suite)
    {
        // RFC 9605 §4.4.2: the KID enters the key and salt labels.
        using var a = new SFrameSender(suite);
        using var b = new SFrameSender(suite);
        a.SetKey(SFrameKeyId.Create(1, 0), SFrameTestKeys.BaseKey());
        b.SetKey(SFrameKeyId.Create(2, 0), SFrameTestKeys.BaseKey());
        byte[] plaintext = new byte[64];

        byte[] fromA = SFrameTestKeys.Encrypt(a, plaintext), fromB = SFrameTestKeys.Encrypt(b, plaintext);

        Assert.NotEqual(fromA.AsSpan(3).ToArray(), fromB.AsSpan(3).ToArray());
    }
}
