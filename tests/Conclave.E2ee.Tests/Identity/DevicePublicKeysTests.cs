using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

public sealed class DevicePublicKeysTests
{
    [Fact]
    public void A_device_identity_round_trips_through_its_registered_form_version_2_with_its_X_Wing_key()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] bytes = DevicePublicKeys.Of(identity).ToBytes();
        Assert.Equal(1281, DevicePublicKeys.Version2Length);
        Assert.Equal(DevicePublicKeys.Version2Length, bytes.Length);
        Assert.Equal(DevicePublicKeys.Version2, bytes[0]);
        // 0x02 || Ed25519 (32) || X25519 (32) || X-Wing (1216)
        Assert.Equal(identity.SigningPublicKey.ToArray(), bytes[1..33]);
        Assert.Equal(identity.AgreementPublicKey.ToArray(), bytes[33..65]);
        Assert.Equal(identity.XWingPublicKey.ToArray(), bytes[65..]);

        Assert.True(DevicePublicKeys.TryRead(bytes, out DevicePublicKeys? read));
        Assert.True(read!.HasXWing);
        Assert.Equal(identity.SigningPublicKey.ToArray(), read.SigningPublicKey.ToArray());
        Assert.Equal(identity.AgreementPublicKey.ToArray(), read.AgreementPublicKey.ToArray());
        Assert.Equal(identity.XWingPublicKey.ToArray(), read.XWingPublicKey.ToArray());
        Assert.Equal(bytes, read.ToBytes());
    }

    [Fact]
    public void Keys_without_X_Wing_are_version_1_and_read_back_without_it()
    {
        byte[] signing = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        byte[] agreement = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        byte[] bytes = new DevicePublicKeys(signing, agreement).ToBytes();
        Assert.Equal([0x01, .. signing, .. agreement], bytes);
        Assert.Equal(DevicePublicKeys.Version1Length, bytes.Length);

        Assert.True(DevicePublicKeys.TryRead(bytes, out DevicePublicKeys? read));
        Assert.False(read!.HasXWing);
        Assert.True(read.XWingPublicKey.IsEmpty);
        Assert.Equal(signing, read.SigningPublicKey.ToArray());
        Assert.Equal(agreement, read.AgreementPublicKey.ToArray());

        // An identity made before X-Wing registers version 1.
        using DeviceIdentity old = DeviceIdentity.FromPrivateKeys(new byte[32], new byte[32]);
        Assert.False(old.HasXWing);
        Assert.Equal(DevicePublicKeys.Version1Length, DevicePublicKeys.Of(old).ToBytes().Length);
    }

    [Fact]
    public void Anything_but_version_1_of_65_bytes_or_version_2_of_1281_bytes_is_refused_without_throwing()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] v2 = DevicePublicKeys.Of(identity).ToBytes();
        byte[] v1 = new DevicePublicKeys(identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray()).ToBytes();
        Assert.False(DevicePublicKeys.TryRead([], out _));
        Assert.False(DevicePublicKeys.TryRead(v1.AsSpan(0, 64), out _));
        Assert.False(DevicePublicKeys.TryRead([.. v1, 0], out _));
        Assert.False(DevicePublicKeys.TryRead(v2.AsSpan(0, 1280), out _));
        Assert.False(DevicePublicKeys.TryRead([.. v2, 0], out _));
        Assert.False(DevicePublicKeys.TryRead([2, .. v1[1..]], out DevicePublicKeys? keys));          // version 2 of version 1's length
        Assert.Null(keys);
        Assert.False(DevicePublicKeys.TryRead([1, .. v2[1..]], out _));                                  // version 1 of version 2's length
        Assert.False(DevicePublicKeys.TryRead([3, .. v2[1..]], out _));
        Assert.False(DevicePublicKeys.TryRead([0, .. v1[1..]], out _));
        var random = new Random(3);
        for (int i = 0; i < 1_000; i++)
        {
            byte[] garbage = new byte[random.Next(0, 1400)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 0) garbage[0] = (byte)random.Next(1, 3);
            DevicePublicKeys.TryRead(garbage, out _);
        }
    }

    [Fact]
    public void Keys_of_the_wrong_length_are_not_written()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] s = identity.SigningPublicKey.ToArray(), a = identity.AgreementPublicKey.ToArray(), x = identity.XWingPublicKey.ToArray();
        Assert.Throws<InvalidOperationException>(() => new DevicePublicKeys(s[..31], a).ToBytes());
        Assert.Throws<InvalidOperationException>(() => new DevicePublicKeys(s, a, x[..1215]).ToBytes());
        Assert.Throws<InvalidOperationException>(() => new DevicePublicKeys(s, a, new byte[32]).ToBytes());
    }

    [Fact]
    public void A_secret_sealed_to_the_registered_X_Wing_key_opens_with_the_identity_s_X_Wing_key_pair()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        Assert.True(DevicePublicKeys.TryRead(DevicePublicKeys.Of(identity).ToBytes(), out DevicePublicKeys? keys));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, keys!.XWingPublicKey.Span, "info"u8, [], "secret"u8, out byte[] enc, out byte[] ct));
        Assert.Equal(1120, enc.Length);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.XWingSha256Aes128Gcm, identity.XWingKeyPair!, enc, "info"u8, [], ct, out byte[] opened));
        Assert.Equal("secret"u8.ToArray(), opened);
    }
}
