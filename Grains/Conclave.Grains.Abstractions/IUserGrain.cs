namespace Conclave.Grains;

/// <summary>A user, keyed by user id: display name and the public keys of their devices. Persistent.</summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>The profile; <see cref="UserProfile.Exists"/> is false for a user never seen.</summary>
    Task<UserProfile> GetAsync();

    /// <summary>Creates the user or changes their display name.</summary>
    Task<UserProfile> SetDisplayNameAsync(string displayName);

    /// <summary>Registers (or replaces) the public keys of one device. Opaque bytes, at most <see cref="UserLimits.MaxDevicePublicKeysBytes"/>.</summary>
    Task<UserProfile> RegisterDeviceAsync(string deviceId, byte[] publicKeys);

    /// <summary>The public keys of one device, empty if none are registered.</summary>
    Task<byte[]> GetDeviceKeysAsync(string deviceId);
}

/// <summary>A user's display name and registered devices.</summary>
[GenerateSerializer, Immutable, Alias("user-profile")]
public sealed record UserProfile(
    [property: Id(0)] string UserId,
    [property: Id(1)] bool Exists,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] IReadOnlyDictionary<string, byte[]> Devices);

/// <summary>Bounds on user state.</summary>
public static class UserLimits
{
    /// <summary>Upper bound on one device's public keys (room for an X-Wing key, a signing key and headers).</summary>
    public const int MaxDevicePublicKeysBytes = 8 * 1024;

    /// <summary>Upper bound on registered devices per user.</summary>
    public const int MaxDevices = 32;
}
