namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="UserGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("user-state")]
public sealed record UserState
{
    /// <summary>True once the user has been created.</summary>
    [Id(0)] public bool Exists { get; init; }

    /// <summary>The name others see.</summary>
    [Id(1)] public string DisplayName { get; init; } = "";

    /// <summary>Registered devices, at most <see cref="UserLimits.MaxDevices"/>.</summary>
    [Id(2)] public IReadOnlyList<DeviceRecord> Devices { get; init; } = Array.Empty<DeviceRecord>();
}
