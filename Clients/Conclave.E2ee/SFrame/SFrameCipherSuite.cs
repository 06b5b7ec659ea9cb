namespace Conclave.E2ee.SFrame;

/// <summary>
/// SFrame cipher suites (RFC 9605 §4.5, IANA "SFrame Cipher Suites" registry of §8.1). The value is the 2-byte
/// identifier that also enters the key derivation labels (§4.4.2). Sizes (Nh, Nka, Nk, Nn, Nt) are in
/// <see cref="SFrameCipherSuiteExtensions"/>.
/// </summary>
public enum SFrameCipherSuite : ushort
{
    /// <summary>AES_128_CTR_HMAC_SHA256_80 (RFC 9605 §4.5.1): AES-128-CTR then HMAC-SHA256 truncated to 80 bits.</summary>
    Aes128CtrHmacSha256_80 = 0x0001,

    /// <summary>AES_128_CTR_HMAC_SHA256_64 (RFC 9605 §4.5.1): AES-128-CTR then HMAC-SHA256 truncated to 64 bits.</summary>
    Aes128CtrHmacSha256_64 = 0x0002,

    /// <summary>
    /// AES_128_CTR_HMAC_SHA256_32 (RFC 9605 §4.5.1): AES-128-CTR then HMAC-SHA256 truncated to 32 bits. Only for
    /// low-rate media over a hop-by-hop protected channel (§7.5: a forged frame is accepted once in 2^32 tries).
    /// </summary>
    Aes128CtrHmacSha256_32 = 0x0003,

    /// <summary>AES_128_GCM_SHA256_128 (RFC 9605 §4.5): AES-128-GCM with a 128-bit tag, HKDF-SHA256. Conclave's default.</summary>
    Aes128GcmSha256_128 = 0x0004,

    /// <summary>AES_256_GCM_SHA512_128 (RFC 9605 §4.5): AES-256-GCM with a 128-bit tag, HKDF-SHA512.</summary>
    Aes256GcmSha512_128 = 0x0005,
}
