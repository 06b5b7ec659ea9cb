using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>Hostile ciphertexts give a status, never an exception (pion fuzz tests; RFC 9605 §4.4.4).</summary>
public sealed class SFrameHostileInputTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    // The receiver holds KID 0x0105 (sender 1, epoch 5); Nt = 16 (AES_128_GCM_SHA256_128).
    public static TheoryData<string, string, SFrameStatus> Malformed => new()
    {
        { "empty",                                  "",                                           SFrameStatus.Malformed },
        { "KID bytes announced, none present",      "90",                                         SFrameStatus.Malformed },
        { "CTR bytes cut",                          "9B0105",                                     SFrameStatus.Malformed },
        { "non-minimal KID",                        "980005000000000000000000000000000000000000", SFrameStatus.Malformed },
        { "header only",                            "900105",                                     SFrameStatus.Malformed },
        { "header and 15 bytes: shorter than Nt",   "900105000000000000000000000000000000",       SFrameStatus.Malformed },
        { "unknown KID 0x0106",                     "90010600000000000000000000000000000000",     SFrameStatus.UnknownKey },
        { "unknown sender",                         "0000000000000000000000000000000000",         SFrameStatus.UnknownKey },
        { "known KID, empty frame, wrong tag",      "90010500000000000000000000000000000000",     SFrameStatus.AuthenticationFailed },
        { "known KID, CTR 2^64-1, wrong tag",       "9F0105FFFFFFFFFFFFFFFF0000000000000000000000000000000000", SFrameStatus.AuthenticationFailed },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Hostile_ciphertexts_give_a_status(string name, string hex, SFrameStatus expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        using var receiver = new SFrameReceiver(SFrameCipherSuite.Aes128GcmSha256_128);
        receiver.AddKey(SFrameKeyId.Create(1, 5), SFrameTestKeys.BaseKey());
        byte[] plaintext = new byte[64];

        Assert.Equal(expected, receiver.Decrypt(Convert.FromHexString(hex), [], plaintext, out int written));

        Assert.Equal(0, written);
        Assert.All(plaintext, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_short_destination_is_reported_before_anything_is_written()
    {
        var (sender, receiver) = SFrameTestKeys.Pair(SFrameCipherSuite.Aes128GcmSha256_128, SFrameKeyId.Create(1, 1));
        using (sender)
        using (receiver)
        {
            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, new byte[100]);
            byte[] small = new byte[99];
            Assert.Equal(SFrameStatus.DestinationTooSmall, receiver.Decrypt(ciphertext, [], small, out int written));
            Assert.Equal(0, written);
            Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, [], new byte[100], out written));
            Assert.Equal(100, written);

            byte[] tooSmall = new byte[sender.GetCiphertextLength(100) - 1];
            Assert.Equal(SFrameStatus.DestinationTooSmall, sender.Encrypt(new byte[100], [], tooSmall, out written));
            Assert.Equal(0, written);
            Assert.Equal(1UL, sender.NextCounter);                  // a refused frame spends no counter
        }
    }

    [Fact]
    public void Metadata_inside_the_destination_is_refused()
    {
        var (sender, receiver) = SFrameTestKeys.Pair(SFrameCipherSuite.Aes128CtrHmacSha256_80, SFrameKeyId.Create(1, 1));
        using (sender)
        using (receiver)
        {
            byte[] buffer = new byte[200];
            Assert.Equal(SFrameStatus.OverlappingBuffers, sender.Encrypt(new byte[50], buffer.AsSpan(10, 8), buffer, out _));
            Assert.Equal(0UL, sender.NextCounter);

            byte[] ciphertext = SFrameTestKeys.Encrypt(sender, new byte[50], buffer.AsSpan(190, 8));
            Assert.Equal(SFrameStatus.OverlappingBuffers, receiver.Decrypt(ciphertext, buffer.AsSpan(40, 8), buffer, out _));
            Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, buffer.AsSpan(190, 8), buffer, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Random_bytes_never_throw(SFrameCipherSuite suite)
    {
        using var receiver = new SFrameReceiver(suite);
        // Keys for the KIDs random headers hit most: inline KIDs 0-7 and one-byte KIDs of sender 0.
        for (ulong kid = 0; kid < 8; kid++) receiver.AddKey(new SFrameKeyId(kid), SFrameTestKeys.BaseKey((int)kid));
        var random = new Random(0xF022 + (int)suite);
        byte[] input = new byte[96], output = new byte[96];
        var seen = new HashSet<SFrameStatus>();

        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(input.Length + 1);
            random.NextBytes(input.AsSpan(0, length));
            SFrameStatus status = receiver.Decrypt(input.AsSpan(0, length), input.AsSpan(0, random.Next(4)), output, out int written);
            Assert.NotEqual(SFrameStatus.Ok, status);               // forging even a 32-bit tag takes ~2^32 tries
            Assert.Equal(0, written);
            seen.Add(status);
        }
        Assert.Superset(new HashSet<SFrameStatus> { SFrameStatus.Malformed, SFrameStatus.UnknownKey }, seen);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Mutated_valid_frames_never_throw_and_never_verify(SFrameCipherSuite suite)
    {
        SFrameKeyId keyId = SFrameKeyId.Create(0, 3);
        var (sender, receiver) = SFrameTestKeys.Pair(suite, keyId);
        using (sender)
        using (receiver)
        {
            var random = new Random(0xF033 + (int)suite);
            byte[] output = new byte[256];
            int authFailures = 0;
            for (int i = 0; i < 5_000; i++)
            {
                byte[] frame = SFrameTestKeys.Encrypt(sender, SFrameTestKeys.Bytes(random.Next(100), i));
                int length = frame.Length;
                switch (random.Next(3))
                {
                    case 0: frame[random.Next(length)] ^= (byte)(1 + random.Next(255)); break;   // corrupt a byte
                    case 1: length = random.Next(length); break;                                // truncate
                    default: frame[random.Next(length)] ^= 0x01; length = random.Next(1, length + 1); break;
                }
                SFrameStatus status = receiver.Decrypt(frame.AsSpan(0, length), [], output, out int written);
                Assert.NotEqual(SFrameStatus.Ok, status);
                Assert.Equal(0, written);
                if (status == SFrameStatus.AuthenticationFailed) authFailures++;
            }
            Assert.True(authFailures > 1_000);
        }
    }
}
