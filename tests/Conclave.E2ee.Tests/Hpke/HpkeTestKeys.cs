using System.Security.Cryptography;
using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>Suites and inputs shared by the HPKE behaviour tests.</summary>
internal static class HpkeTestKeys
{
    /// <summary>Conclave's two suites: X25519 and X-Wing, each with HKDF-SHA256 and AES-128-GCM.</summary>
    public static TheoryData<HpkeKemId> Kems => new(HpkeKemId.DhKemX25519HkdfSha256, HpkeKemId.XWing);

    /// <summary>Every combination this library implements (ChaCha20Poly1305 ones only where the platform has it).</summary>
    public static TheoryData<HpkeKemId, HpkeKdfId, HpkeAeadId> AllSuites
    {
        get
        {
            var data = new TheoryData<HpkeKemId, HpkeKdfId, HpkeAeadId>();
            foreach (HpkeKemId kem in new[] { HpkeKemId.DhKemX25519HkdfSha256, HpkeKemId.XWing })
                foreach (HpkeKdfId kdf in new[] { HpkeKdfId.HkdfSha256, HpkeKdfId.Shake256 })
                    foreach (HpkeAeadId aead in new[] { HpkeAeadId.Aes128Gcm, HpkeAeadId.ChaCha20Poly1305 })
                        if (aead != HpkeAeadId.ChaCha20Poly1305 || ChaCha20Poly1305.IsSupported) data.Add(kem, kdf, aead);
            return data;
        }
    }

    public static HpkeSuite ConclaveSuite(HpkeKemId kem) =>
        kem == HpkeKemId.XWing ? HpkeSuite.XWingSha256Aes128Gcm : HpkeSuite.X25519Sha256Aes128Gcm;

    /// <summary>An SFrame base key stand-in: 16 bytes that differ per seed.</summary>
    public static byte[] BaseKey(int seed = 1) => Bytes(16, seed);

    public static byte[] Bytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Info => "conclave call 42 sender 7 epoch 3"u8.ToArray();

    public static byte[] Aad => "kid 0x0703"u8.ToArray();

    /// <summary>Seals <paramref name="plaintext"/> to <paramref name="recipient"/> with the suite, asserting success.</summary>
    public static (byte[] Enc, byte[] Ciphertext) Seal(HpkeSuite suite, HpkeKeyPair recipient, byte[] plaintext)
    {
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, recipient.PublicKey, Info, Aad, plaintext, out byte[] enc, out byte[] ciphertext));
        return (enc, ciphertext);
    }
}
