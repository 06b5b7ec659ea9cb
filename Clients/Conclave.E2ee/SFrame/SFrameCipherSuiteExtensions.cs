using System.Security.Cryptography;

namespace Conclave.E2ee.SFrame;

/// <summary>
/// The constants of each <see cref="SFrameCipherSuite"/> (RFC 9605 §4.4, Table 1 of §4.5), in bytes.
/// <code>
///   Name                        Nh  Nka  Nk  Nn  Nt
///   AES_128_CTR_HMAC_SHA256_80  32  16   48  12  10
///   AES_128_CTR_HMAC_SHA256_64  32  16   48  12   8
///   AES_128_CTR_HMAC_SHA256_32  32  16   48  12   4
///   AES_128_GCM_SHA256_128      32  n/a  16  12  16
///   AES_256_GCM_SHA512_128      64  n/a  32  12  16
/// </code>
/// </summary>
public static class SFrameCipherSuiteExtensions
{
    /// <summary>The suite that Conclave uses unless configured otherwise.</summary>
    public const SFrameCipherSuite Default = SFrameCipherSuite.Aes128GcmSha256_128;

    /// <summary>Whether the suite is one of the five RFC 9605 defines (and this library implements).</summary>
    public static bool IsSupported(this SFrameCipherSuite suite) =>
        suite is >= SFrameCipherSuite.Aes128CtrHmacSha256_80 and <= SFrameCipherSuite.Aes256GcmSha512_128;

    /// <summary>True for the AES-CTR + HMAC compound AEAD of RFC 9605 §4.5.1; false for AES-GCM.</summary>
    public static bool IsCtrHmac(this SFrameCipherSuite suite) => suite <= SFrameCipherSuite.Aes128CtrHmacSha256_32;

    /// <summary>Hash.Nh: output size of the suite's hash (HKDF, and HMAC for §4.5.1).</summary>
    public static int HashLength(this SFrameCipherSuite suite) => suite == SFrameCipherSuite.Aes256GcmSha512_128 ? 64 : 32;

    /// <summary>The suite's hash function, used by HKDF (§4.4.2) and, for CTR suites, HMAC (§4.5.1).</summary>
    public static HashAlgorithmName HashAlgorithm(this SFrameCipherSuite suite) =>
        suite == SFrameCipherSuite.Aes256GcmSha512_128 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;

    /// <summary>AEAD.Nka: the AES key size inside the §4.5.1 compound AEAD; 0 for GCM suites.</summary>
    public static int AesKeyLength(this SFrameCipherSuite suite) => suite.IsCtrHmac() ? 16 : 0;

    /// <summary>AEAD.Nk: the sframe_key size. For CTR suites Nka + Nh (§4.5.1: enc_key || auth_key).</summary>
    public static int KeyLength(this SFrameCipherSuite suite) => suite switch
    {
        SFrameCipherSuite.Aes256GcmSha512_128 => 32,
        SFrameCipherSuite.Aes128GcmSha256_128 => 16,
        _ => 16 + 32,
    };

    /// <summary>AEAD.Nn: nonce (and sframe_salt) size, 12 for every suite.</summary>
    public static int NonceLength(this SFrameCipherSuite suite) => 12;

    /// <summary>AEAD.Nt: authentication tag size appended to the ciphertext (the suite name's last number / 8).</summary>
    public static int TagLength(this SFrameCipherSuite suite) => suite switch
    {
        SFrameCipherSuite.Aes128CtrHmacSha256_80 => 10,
        SFrameCipherSuite.Aes128CtrHmacSha256_64 => 8,
        SFrameCipherSuite.Aes128CtrHmacSha256_32 => 4,
        _ => 16,
    };

    /// <summary>The most bytes SFrame adds to a frame with this suite: the longest header (17) plus Nt.</summary>
    public static int MaxOverhead(this SFrameCipherSuite suite) => SFrameHeader.MaxLength + suite.TagLength();

    /// <summary>The IANA registry name (RFC 9605 §8.1), e.g. <c>AES_128_GCM_SHA256_128</c>.</summary>
    public static string IanaName(this SFrameCipherSuite suite) => suite switch
    {
        SFrameCipherSuite.Aes128CtrHmacSha256_80 => "AES_128_CTR_HMAC_SHA256_80",
        SFrameCipherSuite.Aes128CtrHmacSha256_64 => "AES_128_CTR_HMAC_SHA256_64",
        SFrameCipherSuite.Aes128CtrHmacSha256_32 => "AES_128_CTR_HMAC_SHA256_32",
        SFrameCipherSuite.Aes128GcmSha256_128 => "AES_128_GCM_SHA256_128",
        SFrameCipherSuite.Aes256GcmSha512_128 => "AES_256_GCM_SHA512_128",
        _ => suite.ToString(),
    };

    internal static void ThrowIfUnsupported(SFrameCipherSuite suite)
    {
        if (!suite.IsSupported())
            throw new ArgumentOutOfRangeException(nameof(suite), suite, "not an RFC 9605 cipher suite (0x0001-0x0005)");
    }
}
