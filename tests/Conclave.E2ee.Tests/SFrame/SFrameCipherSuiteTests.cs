using System.Security.Cryptography;
using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>RFC 9605 §4.5 Table 1 and the §8.1 registry values.</summary>
public sealed class SFrameCipherSuiteTests
{
    public static TheoryData<SFrameCipherSuite, ushort, string, int, int, int, int, int> Table1 => new()
    {
        // suite                                       id      name                           Nh  Nka  Nk  Nn  Nt
        { SFrameCipherSuite.Aes128CtrHmacSha256_80, 0x0001, "AES_128_CTR_HMAC_SHA256_80", 32, 16, 48, 12, 10 },
        { SFrameCipherSuite.Aes128CtrHmacSha256_64, 0x0002, "AES_128_CTR_HMAC_SHA256_64", 32, 16, 48, 12, 8 },
        { SFrameCipherSuite.Aes128CtrHmacSha256_32, 0x0003, "AES_128_CTR_HMAC_SHA256_32", 32, 16, 48, 12, 4 },
        { SFrameCipherSuite.Aes128GcmSha256_128,    0x0004, "AES_128_GCM_SHA256_128",     32, 0,  16, 12, 16 },
        { SFrameCipherSuite.Aes256GcmSha512_128,    0x0005, "AES_256_GCM_SHA512_128",     64, 0,  32, 12, 16 },
    };

    [Theory]
    [MemberData(nameof(Table1))]
    public void Suite_constants_match_table_1(SFrameCipherSuite suite, ushort id, string name, int nh, int nka, int nk, int nn, int nt)
    {
        Assert.Equal(id, (ushort)suite);
        Assert.Equal(name, suite.IanaName());
        Assert.Equal((nh, nka, nk, nn, nt), (suite.HashLength(), suite.AesKeyLength(), suite.KeyLength(), suite.NonceLength(), suite.TagLength()));
        Assert.Equal(nka != 0, suite.IsCtrHmac());
        Assert.Equal(nh == 64 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256, suite.HashAlgorithm());
        Assert.Equal(SFrameHeader.MaxLength + nt, suite.MaxOverhead());
        Assert.True(suite.IsSupported());
    }

    [Fact]
    public void The_default_suite_is_aes_128_gcm() =>
        Assert.Equal(SFrameCipherSuite.Aes128GcmSha256_128, SFrameCipherSuiteExtensions.Default);

    [Theory]
    [InlineData((ushort)0x0000)]                                    // reserved (§8.1)
    [InlineData((ushort)0x0006)]                                    // AES-256 CTR suites: not RFC 9605
    [InlineData((ushort)0xF000)]                                    // private use
    public void Other_suites_are_refused(ushort id)
    {
        var suite = (SFrameCipherSuite)id;
        Assert.False(suite.IsSupported());
        Assert.Throws<ArgumentOutOfRangeException>(() => new SFrameSender(suite));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SFrameReceiver(suite));
    }
}
