using System.Security.Cryptography;
using Conclave.Crypto;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>
/// The managed AES-GCM against the known answers of McGrew and Viega, "The Galois/Counter Mode of Operation
/// (GCM)", Appendix B (the NIST GCM submission; test cases with a 96-bit IV), and differentially against
/// .NET's <see cref="AesGcm"/> (OpenSSL) over random keys, nonces, lengths and AAD.
/// </summary>
public sealed class AesGcmIntrinsicsTests
{
    private const string K3 = "feffe9928665731c6d6a8f9467308308";
    private const string Iv3 = "cafebabefacedbaddecaf888";
    private const string P3 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private const string A4 = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    // case, key, IV, AAD, plaintext, ciphertext, tag
    public static TheoryData<int, string, string, string, string, string, string> McGrewViega => new()
    {
        { 1, new string('0', 32), new string('0', 24), "", "", "", "58e2fccefa7e3061367f1d57a4e7455a" },
        { 2, new string('0', 32), new string('0', 24), "", new string('0', 32), "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf" },
        { 3, K3, Iv3, "", P3,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4" },
        { 4, K3, Iv3, A4, P3[..120],
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47" },
        { 13, new string('0', 64), new string('0', 24), "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
        { 14, new string('0', 64), new string('0', 24), "", new string('0', 32), "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
        { 15, K3 + K3, Iv3, "", P3,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c" },
        { 16, K3 + K3, Iv3, A4, P3[..120],
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b" },
    };

    [Theory]
    [MemberData(nameof(McGrewViega))]
    public void Known_answers_encrypt_and_decrypt(int testCase, string key, string iv, string aad, string plain, string cipher, string tag)
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        _ = testCase;
        using var gcm = new AesGcmIntrinsics(Convert.FromHexString(key));
        byte[] p = Convert.FromHexString(plain);
        byte[] c = new byte[p.Length];
        byte[] t = new byte[16];

        gcm.Encrypt(Convert.FromHexString(iv), p, c, t, Convert.FromHexString(aad));

        Assert.Equal(cipher, Convert.ToHexStringLower(c));
        Assert.Equal(tag, Convert.ToHexStringLower(t));
        byte[] opened = new byte[c.Length];
        Assert.True(gcm.TryDecrypt(Convert.FromHexString(iv), c, t, opened, Convert.FromHexString(aad)));
        Assert.Equal(p, opened);
    }

    /// <summary>Test cases 5, 6, 17 and 18 use 64- and 480-bit IVs; only 96-bit nonces (RFC 7714 §8.1) are accepted.</summary>
    [Theory]
    [InlineData(8)]
    [InlineData(60)]
    public void Other_iv_lengths_are_rejected(int ivLength)
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        using var gcm = new AesGcmIntrinsics(new byte[16]);
        byte[] data = new byte[16];
        Assert.Throws<ArgumentException>(() => gcm.Encrypt(new byte[ivLength], data, data, new byte[16]));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void Matches_platform_AesGcm_for_every_length_up_to_2048(int keyLength)
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        var rng = new Random(7714 + keyLength);
        byte[] key = new byte[keyLength], nonce = new byte[12], plain = new byte[2048], aad = new byte[64];
        byte[] expected = new byte[2048], expectedTag = new byte[16], actual = new byte[2048], actualTag = new byte[16];
        for (int length = 0; length <= 2048; length++)
        {
            rng.NextBytes(key);
            rng.NextBytes(nonce);
            rng.NextBytes(plain);
            rng.NextBytes(aad);
            int aadLength = rng.Next(0, 65);
            using var platform = new AesGcm(key, 16);
            using var managed = new AesGcmIntrinsics(key);

            platform.Encrypt(nonce, plain.AsSpan(0, length), expected.AsSpan(0, length), expectedTag, aad.AsSpan(0, aadLength));
            managed.Encrypt(nonce, plain.AsSpan(0, length), actual.AsSpan(0, length), actualTag, aad.AsSpan(0, aadLength));

            Assert.True(expected.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length)), $"ciphertext, length {length}");
            Assert.True(expectedTag.AsSpan().SequenceEqual(actualTag), $"tag, length {length}, AAD {aadLength}");
            // Decrypt in place, as SRTP does.
            Assert.True(managed.TryDecrypt(nonce, actual.AsSpan(0, length), actualTag, actual.AsSpan(0, length), aad.AsSpan(0, aadLength)));
            Assert.True(plain.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length)), $"plaintext, length {length}");
        }
    }

    [Fact]
    public void Encrypts_in_place_like_out_of_place()
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        var rng = new Random(3);
        byte[] key = new byte[16], nonce = new byte[12], plain = new byte[1188], aad = new byte[12];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(plain);
        rng.NextBytes(aad);
        using var gcm = new AesGcmIntrinsics(key);
        byte[] outOfPlace = new byte[plain.Length], tag1 = new byte[16], tag2 = new byte[16];
        gcm.Encrypt(nonce, plain, outOfPlace, tag1, aad);
        byte[] inPlace = (byte[])plain.Clone();

        gcm.Encrypt(nonce, inPlace, inPlace, tag2, aad);

        Assert.Equal(outOfPlace, inPlace);
        Assert.Equal(tag1, tag2);
        Assert.Throws<ArgumentException>(() => gcm.Encrypt(nonce, plain.AsSpan(0, 100), plain.AsSpan(1, 100), tag2, aad));
    }

    public static TheoryData<string, int> Tampering => new()
    {
        { "tag", 0 }, { "tag", 15 }, { "ciphertext", 0 }, { "ciphertext", 1187 }, { "aad", 0 }, { "aad", 11 },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public void Any_flipped_bit_fails_authentication_and_clears_the_output(string field, int offset)
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        var rng = new Random(offset);
        byte[] key = new byte[32], nonce = new byte[12], plain = new byte[1188], aad = new byte[12];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(plain);
        rng.NextBytes(aad);
        using var gcm = new AesGcmIntrinsics(key);
        byte[] cipher = new byte[plain.Length], tag = new byte[16];
        gcm.Encrypt(nonce, plain, cipher, tag, aad);
        byte[] target = field switch { "tag" => tag, "ciphertext" => cipher, _ => aad };
        target[offset] ^= 0x01;

        Assert.False(gcm.TryDecrypt(nonce, cipher, tag, cipher, aad));

        Assert.All(cipher, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Fallback_and_intrinsics_AesGcmCipher_agree()
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        var rng = new Random(5);
        byte[] key = new byte[16], nonce = new byte[12], plain = new byte[333], aad = new byte[20];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(plain);
        rng.NextBytes(aad);
        using var platform = new AesGcmCipher(key, useIntrinsics: false);
        using var managed = new AesGcmCipher(key, useIntrinsics: true);
        byte[] c1 = new byte[plain.Length], c2 = new byte[plain.Length], t1 = new byte[16], t2 = new byte[16];

        platform.Encrypt(nonce, plain, c1, t1, aad);
        managed.Encrypt(nonce, plain, c2, t2, aad);

        Assert.Equal(c1, c2);
        Assert.Equal(t1, t2);
        Assert.True(platform.TryDecrypt(nonce, c2, t2, c2, aad));
        Assert.Equal(plain, c2);
        t1[0] ^= 1;
        Assert.False(platform.TryDecrypt(nonce, c1, t1, c1, aad));
    }

    [Fact]
    public void Encrypt_and_decrypt_allocate_nothing()
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        using var gcm = new AesGcmIntrinsics(new byte[16]);
        byte[] nonce = new byte[12], data = new byte[1188], aad = new byte[12], tag = new byte[16];
        for (int i = 0; i < 1000; i++) RoundTrip(gcm, nonce, data, aad, tag);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) RoundTrip(gcm, nonce, data, aad, tag);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Disposed_instance_throws()
    {
        Assert.SkipUnless(AesGcmIntrinsics.IsSupported, "no AES-NI/PCLMULQDQ");
        var gcm = new AesGcmIntrinsics(new byte[16]);
        gcm.Dispose();
        gcm.Dispose();
        Assert.Throws<ObjectDisposedException>(() => gcm.Encrypt(new byte[12], [], [], new byte[16]));
    }

    private static void RoundTrip(AesGcmIntrinsics gcm, byte[] nonce, byte[] data, byte[] aad, byte[] tag)
    {
        gcm.Encrypt(nonce, data, data, tag, aad);
        if (!gcm.TryDecrypt(nonce, data, tag, data, aad)) throw new InvalidOperationException("round trip failed");
    }
}
