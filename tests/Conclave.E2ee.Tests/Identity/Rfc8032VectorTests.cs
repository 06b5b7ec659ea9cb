using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

/// <summary>
/// RFC 8032 §7.1 Ed25519 test vectors TEST 1, 2 and 3: the secret key gives the public key (§5.1.5), the message
/// gives the signature bit-exactly (§5.1.6, deterministic), and the signature verifies (§5.1.7). The hex strings were
/// checked against two published copies of the RFC vectors and against OpenSSL (via pyca/cryptography).
/// </summary>
public sealed class Rfc8032VectorTests
{
    public static TheoryData<string, string, string, string, string> Vectors => new()
    {
        {
            "TEST 1 (empty message)",                                                      // RFC 8032 §7.1 TEST 1
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "TEST 2 (1-octet message)",                                                    // RFC 8032 §7.1 TEST 2
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "TEST 3 (2-octet message)",                                                    // RFC 8032 §7.1 TEST 3
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_secret_key_gives_the_public_key(string name, string secretKey, string publicKey, string message, string signature)
    {
        Assert.False(string.IsNullOrEmpty(name) || message is null || signature is null);
        using DeviceIdentity identity = FromSecretKey(secretKey);

        Assert.Equal(Convert.FromHexString(publicKey), identity.SigningPublicKey.ToArray());
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_message_gives_the_signature_bit_exactly(string name, string secretKey, string publicKey, string message, string signature)
    {
        Assert.False(string.IsNullOrEmpty(name) || publicKey is null);
        using DeviceIdentity identity = FromSecretKey(secretKey);

        Assert.Equal(Convert.FromHexString(signature), identity.Sign(Convert.FromHexString(message)));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_signature_verifies_and_a_changed_one_does_not(string name, string secretKey, string publicKey, string message, string signature)
    {
        Assert.False(string.IsNullOrEmpty(name) || secretKey is null);
        byte[] pk = Convert.FromHexString(publicKey);
        byte[] m = Convert.FromHexString(message);
        byte[] sig = Convert.FromHexString(signature);

        Assert.True(DeviceIdentity.Verify(pk, sig, m));
        for (int i = 0; i < sig.Length; i += 7)
        {
            byte[] tampered = (byte[])sig.Clone();
            tampered[i] ^= 0x01;
            Assert.False(DeviceIdentity.Verify(pk, tampered, m));
        }
        Assert.False(DeviceIdentity.Verify(pk, sig, [.. m, 0x00]));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_non_canonical_S_is_rejected(string name, string secretKey, string publicKey, string message, string signature)
    {
        // RFC 8032 §5.1.7 step 1: "If any of the decodings fail (including S being out of range), the signature is
        // invalid." S + L encodes the same scalar mod L, so only the range check rejects it (signature malleability).
        Assert.False(string.IsNullOrEmpty(name) || secretKey is null);
        byte[] sig = Convert.FromHexString(signature);
        var l = System.Numerics.BigInteger.Pow(2, 252) + System.Numerics.BigInteger.Parse("27742317777372353535851937790883648493");
        var s = new System.Numerics.BigInteger(sig.AsSpan(32), isUnsigned: true);
        byte[] malleated = [.. sig[..32], .. new byte[32]];
        Assert.True((s + l).TryWriteBytes(malleated.AsSpan(32), out _, isUnsigned: true));

        Assert.False(DeviceIdentity.Verify(Convert.FromHexString(publicKey), malleated, Convert.FromHexString(message)));
    }

    private static DeviceIdentity FromSecretKey(string secretKey) =>
        DeviceIdentity.FromPrivateKeys(Convert.FromHexString(secretKey), new byte[DeviceIdentity.PrivateKeyLength]);
}
