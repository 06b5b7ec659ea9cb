using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Identity;

public sealed class DevicePublicKeysTests
{
    [Fact]
    public void A_device_identity_round_trips_through_its_registered_form()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] bytes = DevicePublicKeys.Of(identity).ToBytes();
        Assert.Equal(DevicePublicKeys.Length, bytes.Length);
        Assert.Equal(DevicePublicKeys.Version, bytes[0]);
        Assert.True(DevicePublicKeys.TryRead(bytes, out DevicePublicKeys? read));
        Assert.Equal(identity.SigningPublicKey.ToArray(), read!.SigningPublicKey.ToArray());
        Assert.Equal(identity.AgreementPublicKey.ToArray(), read.AgreementPublicKey.ToArray());
    }

    [Fact]
    public void Anything_but_version_1_of_65_bytes_is_refused_without_throwing()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] bytes = DevicePublicKeys.Of(identity).ToBytes();
        Assert.False(DevicePublicKeys.TryRead([], out _));
        Assert.False(DevicePublicKeys.TryRead(bytes.AsSpan(0, 64), out _));
        Assert.False(DevicePublicKeys.TryRead([.. bytes, 0], out _));
        bytes[0] = 2;
        Assert.False(DevicePublicKeys.TryRead(bytes, out DevicePublicKeys? keys));
        Assert.Null(keys);
        var random = new Random(3);
        for (int i = 0; i < 1_000; i++)
        {
            byte[] garbage = new byte[random.Next(0, 100)];
            random.NextBytes(garbage);
            DevicePublicKeys.TryRead(garbage, out _);
        }
    }
}
