using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Grains;

/// <summary>
/// A user's display name and device public keys, persisted in <see cref="StorageNames.State"/>. Input that breaks
/// <see cref="UserLimits"/> or the id rules is a caller bug and throws <see cref="ArgumentException"/>.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user", StorageNames.State)] IPersistentState<UserState> state) : Grain, IUserGrain
{
    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc />
    public Task<UserProfile> GetAsync() => Task.FromResult(Profile());

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The display name is empty, longer than 100 characters or holds control characters.</exception>
    public async Task<UserProfile> SetDisplayNameAsync(string displayName)
    {
        if (!InputRules.IsValidDisplayName(displayName)) throw new ArgumentException("Invalid display name.", nameof(displayName));
        if (!InputRules.IsValidId(this.GetPrimaryKeyString())) throw new ArgumentException("Invalid user id.");
        var current = state.State;
        if (!current.Exists || current.DisplayName != displayName)
        {
            await state.CommitAsync(current with { Exists = true, DisplayName = displayName });
        }
        return Profile();
    }

    /// <inheritdoc />
    /// <remarks>
    /// A user seen for the first time here (for example one signed in through an external identity provider, or the
    /// admin) is created with an empty display name.
    /// </remarks>
    /// <exception cref="ArgumentException">Bad device id, empty or oversized keys, or a new device beyond <see cref="UserLimits.MaxDevices"/>.</exception>
    public async Task<UserProfile> RegisterDeviceAsync(string deviceId, byte[] publicKeys)
    {
        if (!InputRules.IsValidId(deviceId)) throw new ArgumentException("Invalid device id.", nameof(deviceId));
        ArgumentNullException.ThrowIfNull(publicKeys);
        if (publicKeys.Length is 0 or > UserLimits.MaxDevicePublicKeysBytes)
        {
            throw new ArgumentException($"Public keys must be 1..{UserLimits.MaxDevicePublicKeysBytes} bytes.", nameof(publicKeys));
        }
        if (!InputRules.IsValidId(this.GetPrimaryKeyString())) throw new ArgumentException("Invalid user id.");
        var current = state.State;

        var record = new DeviceRecord { DeviceId = deviceId, PublicKeys = publicKeys.ToArray(), RegisteredAt = Clock.GetUtcNow() };
        var devices = new List<DeviceRecord>(current.Devices.Count + 1);
        bool replaced = false;
        foreach (var device in current.Devices)
        {
            if (device.DeviceId == deviceId)
            {
                devices.Add(record);
                replaced = true;
            }
            else
            {
                devices.Add(device);
            }
        }
        if (!replaced)
        {
            if (devices.Count >= UserLimits.MaxDevices) throw new ArgumentException($"A user has at most {UserLimits.MaxDevices} devices.", nameof(deviceId));
            devices.Add(record);
        }

        await state.CommitAsync(current with { Exists = true, Devices = devices.ToArray() });
        return Profile();
    }

    /// <inheritdoc />
    public Task<byte[]> GetDeviceKeysAsync(string deviceId)
    {
        foreach (var device in state.State.Devices)
        {
            if (device.DeviceId == deviceId) return Task.FromResult(device.PublicKeys.ToArray());
        }
        return Task.FromResult(Array.Empty<byte>());
    }

    private UserProfile Profile()
    {
        var current = state.State;
        var devices = new Dictionary<string, byte[]>(current.Devices.Count, StringComparer.Ordinal);
        foreach (var device in current.Devices) devices[device.DeviceId] = device.PublicKeys.ToArray();
        return new UserProfile(this.GetPrimaryKeyString(), current.Exists, current.DisplayName, devices);
    }
}
