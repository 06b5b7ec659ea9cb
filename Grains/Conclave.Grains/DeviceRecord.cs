namespace Conclave.Grains;

/// <summary>One registered device of a user and its opaque public keys.</summary>
[GenerateSerializer, Immutable, Alias("device-record")]
public sealed record DeviceRecord
{
    /// <summary>The device id, as named in its token.</summary>
    [Id(0)] public string DeviceId { get; init; } = "";

    /// <summary>The device's public keys, at most <see cref="UserLimits.MaxDevicePublicKeysBytes"/> bytes.</summary>
    [Id(1)] public byte[] PublicKeys { get; init; } = [];

    /// <summary>When the keys were registered or last replaced.</summary>
    [Id(2)] public DateTimeOffset RegisteredAt { get; init; }
}
