using System.Security.Cryptography;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

/// <summary>Device identities in memory: key sizes, signing, hostile verification input, HPKE and hygiene.</summary>
public sealed class DeviceIdentityTests
{
    private static readonly byte[] Message = "join call 7f3a as device 2"u8.ToArray();

    [Fact]
    public void Generated_identities_have_32_byte_public_keys_and_differ()
    {
        using DeviceIdentity a = DeviceIdentity.Generate();
        using DeviceIdentity b = DeviceIdentity.Generate();

        Assert.Equal(32, a.SigningPublicKey.Length);
        Assert.Equal(32, a.AgreementPublicKey.Length);
        Assert.Equal(HpkeKemId.DhKemX25519HkdfSha256, a.AgreementKeyPair.Kem);
        Assert.Equal(a.AgreementPublicKey.ToArray(), a.AgreementKeyPair.PublicKey.ToArray());
        Assert.NotEqual(a.SigningPublicKey.ToArray(), b.SigningPublicKey.ToArray());
        Assert.NotEqual(a.AgreementPublicKey.ToArray(), b.AgreementPublicKey.ToArray());
    }

    [Fact]
    public void Generated_identities_have_an_X_Wing_key_pair()
    {
        using DeviceIdentity a = DeviceIdentity.Generate();
        using DeviceIdentity b = DeviceIdentity.Generate();

        Assert.True(a.HasXWing);
        Assert.Equal(DeviceIdentity.XWingPublicKeyLength, a.XWingPublicKey.Length);
        Assert.Equal(1216, DeviceIdentity.XWingPublicKeyLength);
        Assert.Equal(HpkeKemId.XWing, a.XWingKeyPair!.Kem);
        Assert.Equal(a.XWingPublicKey.ToArray(), a.XWingKeyPair.PublicKey.ToArray());
        Assert.NotEqual(a.XWingPublicKey.ToArray(), b.XWingPublicKey.ToArray());
        // Its X25519 half (the last 32 bytes) is a key of its own, not the agreement key.
        Assert.NotEqual(a.AgreementPublicKey.ToArray(), a.XWingPublicKey[^32..].ToArray());
    }

    [Fact]
    public void Three_private_keys_make_the_identity_with_the_X_Wing_key_of_the_seed()
    {
        byte[] signing = RandomNumberGenerator.GetBytes(32), agreement = RandomNumberGenerator.GetBytes(32), seed = RandomNumberGenerator.GetBytes(32);
        using DeviceIdentity identity = DeviceIdentity.FromPrivateKeys(signing, agreement, seed);
        using DeviceIdentity twoKeys = DeviceIdentity.FromPrivateKeys(signing, agreement);
        using HpkeKeyPair xWing = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, seed);

        Assert.Equal(xWing.PublicKey.ToArray(), identity.XWingPublicKey.ToArray());
        Assert.Equal(twoKeys.SigningPublicKey.ToArray(), identity.SigningPublicKey.ToArray());
        Assert.Equal(twoKeys.AgreementPublicKey.ToArray(), identity.AgreementPublicKey.ToArray());
        Assert.False(twoKeys.HasXWing);
        Assert.True(twoKeys.XWingPublicKey.IsEmpty);
        Assert.Null(twoKeys.XWingKeyPair);
        byte[] exported = new byte[32];
        Assert.True(identity.ExportXWingSeed(exported));
        Assert.Equal(seed, exported);
        Assert.False(twoKeys.ExportXWingSeed(exported));

        // The upgrade of an identity made before X-Wing keeps its keys.
        using DeviceIdentity upgraded = twoKeys.WithXWingSeed(seed);
        Assert.Equal(identity.Fingerprint, upgraded.Fingerprint);
        Assert.Equal(identity.AgreementPublicKey.ToArray(), upgraded.AgreementPublicKey.ToArray());
        Assert.Equal(identity.XWingPublicKey.ToArray(), upgraded.XWingPublicKey.ToArray());
        Assert.False(twoKeys.HasXWing);

        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(signing, agreement, new byte[31]));
        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(signing, agreement, new byte[33]));
        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(new byte[31], agreement, seed));
    }

    [Fact]
    public void A_key_sealed_to_the_X_Wing_public_key_opens_with_the_X_Wing_key_pair_only()
    {
        using DeviceIdentity recipient = DeviceIdentity.Generate();
        HpkeSuite suite = HpkeSuite.XWingSha256Aes128Gcm;
        byte[] secret = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, recipient.XWingPublicKey, "info"u8, [], secret, out byte[] enc, out byte[] ciphertext));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, recipient.XWingKeyPair!, enc, "info"u8, [], ciphertext, out byte[] opened));
        Assert.Equal(secret, opened);
        Assert.Equal(HpkeStatus.KemMismatch, HpkeBaseMode.Open(suite, recipient.AgreementKeyPair, enc, "info"u8, [], ciphertext, out _));
        using DeviceIdentity other = DeviceIdentity.Generate();
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, other.XWingKeyPair!, enc, "info"u8, [], ciphertext, out _));
    }

    [Fact]
    public void The_fingerprint_is_lowercase_hex_of_SHA_256_of_the_signing_public_key()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();

        Assert.Equal(Convert.ToHexString(SHA256.HashData(identity.SigningPublicKey)).ToLowerInvariant(), identity.Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", identity.Fingerprint);
    }

    [Fact]
    public void A_signature_round_trips_and_binds_key_and_message()
    {
        using DeviceIdentity signer = DeviceIdentity.Generate();
        using DeviceIdentity other = DeviceIdentity.Generate();

        byte[] signature = signer.Sign(Message);

        Assert.Equal(DeviceIdentity.SignatureLength, signature.Length);
        Assert.True(DeviceIdentity.Verify(signer.SigningPublicKey, signature, Message));
        Assert.False(DeviceIdentity.Verify(other.SigningPublicKey, signature, Message));
        Assert.False(DeviceIdentity.Verify(signer.SigningPublicKey, signature, Message.AsSpan(1)));
        Assert.Equal(signature, signer.Sign(Message));                                  // RFC 8032 §5.1.6: deterministic
        Assert.True(DeviceIdentity.Verify(signer.SigningPublicKey, signer.Sign([]), []));
    }

    public static TheoryData<string, string, string> HostileVerifyInput => new()
    {
        // name, public key hex, signature hex (message "join call 7f3a as device 2")
        { "empty key and signature",  "",                  "" },
        { "31-byte key",              new string('1', 62), new string('0', 128) },
        { "33-byte key",              new string('1', 66), new string('0', 128) },
        { "63-byte signature",        new string('1', 64), new string('0', 126) },
        { "65-byte signature",        new string('1', 64), new string('0', 130) },
        { "all-zero key, signature",  new string('0', 64), new string('0', 128) },
        { "all-FF key, signature",    new string('f', 64), new string('f', 128) },
        { "identity point key",       "01" + new string('0', 62), "01" + new string('0', 126) },
        { "key y = p (non-canonical)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", new string('0', 128) },
    };

    [Theory]
    [MemberData(nameof(HostileVerifyInput))]
    public void Hostile_verify_input_gives_false(string name, string publicKey, string signature)
    {
        Assert.False(string.IsNullOrEmpty(name));

        Assert.False(DeviceIdentity.Verify(Convert.FromHexString(publicKey), Convert.FromHexString(signature), Message));
    }

    [Fact]
    public void Verifying_random_bytes_never_throws()
    {
        // pion fuzz style: a fixed seed, random lengths around the valid ones and random content.
        var random = new Random(8032);
        using DeviceIdentity identity = DeviceIdentity.Generate();
        for (int i = 0; i < 2000; i++)
        {
            byte[] publicKey = new byte[i % 3 == 0 ? random.Next(0, 40) : 32];
            byte[] signature = new byte[i % 5 == 0 ? random.Next(0, 80) : 64];
            byte[] message = new byte[random.Next(0, 64)];
            random.NextBytes(publicKey);
            random.NextBytes(signature);
            random.NextBytes(message);
            if (i % 2 == 0) identity.SigningPublicKey[..Math.Min(publicKey.Length, 32)].CopyTo(publicKey);

            Assert.False(DeviceIdentity.Verify(publicKey, signature, message));
        }
    }

    [Fact]
    public void A_key_sealed_to_the_agreement_public_key_opens_with_the_agreement_key_pair()
    {
        using DeviceIdentity recipient = DeviceIdentity.Generate();
        HpkeSuite suite = HpkeSuite.X25519Sha256Aes128Gcm;
        byte[] mediaKey = RandomNumberGenerator.GetBytes(16);
        byte[] info = "conclave call 1 sender 2"u8.ToArray();

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, recipient.AgreementPublicKey, info, [], mediaKey, out byte[] enc, out byte[] ciphertext));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, recipient.AgreementKeyPair, enc, info, [], ciphertext, out byte[] opened));
        Assert.Equal(mediaKey, opened);

        using DeviceIdentity other = DeviceIdentity.Generate();
        Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, other.AgreementKeyPair, enc, info, [], ciphertext, out _));
    }

    [Fact]
    public void The_agreement_key_is_X25519_of_the_stored_scalar()
    {
        // RFC 7748 §6.1: Alice's private key and public key.
        byte[] alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        using DeviceIdentity identity = DeviceIdentity.FromPrivateKeys(new byte[32], alicePrivate);

        Assert.Equal(Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), identity.AgreementPublicKey.ToArray());
    }

    [Fact]
    public void Private_keys_of_the_wrong_length_are_a_caller_error()
    {
        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(new byte[31], new byte[32]));
        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(new byte[32], new byte[33]));
        Assert.Throws<ArgumentException>(() => DeviceIdentity.FromPrivateKeys(new byte[64], new byte[32]));
    }

    [Fact]
    public void ToString_shows_the_fingerprint_and_no_key_bytes()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] signingPrivate = new byte[32], agreementPrivate = new byte[32], xWingSeed = new byte[32];
        identity.ExportPrivateKeys(signingPrivate, agreementPrivate);
        Assert.True(identity.ExportXWingSeed(xWingSeed));
        string text = identity.ToString();

        Assert.Equal($"DeviceIdentity {{ Fingerprint = {identity.Fingerprint} }}", text);
        foreach (byte[] key in new[] { signingPrivate, agreementPrivate, xWingSeed, identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray(), identity.XWingPublicKey.ToArray() })
        {
            Assert.DoesNotContain(Convert.ToHexString(key[..6]), text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(key)[..8], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dispose_wipes_the_private_keys_and_keeps_the_public_ones()
    {
        DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] signingPublic = identity.SigningPublicKey.ToArray();
        HpkeKeyPair agreement = identity.AgreementKeyPair;
        HpkeKeyPair xWing = identity.XWingKeyPair!;
        byte[] xWingPublic = identity.XWingPublicKey.ToArray();

        identity.Dispose();
        identity.Dispose();                                                              // idempotent

        Assert.Throws<ObjectDisposedException>(() => identity.Sign(Message));
        Assert.Throws<ObjectDisposedException>(() => identity.AgreementKeyPair);
        Assert.Throws<ObjectDisposedException>(() => agreement.ExportPrivateKey());      // the owned key pairs are disposed too
        Assert.Throws<ObjectDisposedException>(() => xWing.ExportPrivateKey());
        Assert.Throws<ObjectDisposedException>(() => identity.XWingKeyPair);
        Assert.Throws<ObjectDisposedException>(() => identity.ExportXWingSeed(new byte[32]));
        Assert.Equal(xWingPublic, identity.XWingPublicKey.ToArray());
        Assert.Throws<ObjectDisposedException>(() => identity.ExportPrivateKeys(new byte[32], new byte[32]));
        Assert.Equal(signingPublic, identity.SigningPublicKey.ToArray());
        Assert.Equal(64, identity.Fingerprint.Length);
    }
}
