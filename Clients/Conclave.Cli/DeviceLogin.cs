using Conclave.Client;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// What the commands that encrypt share: the login (<see cref="CliContext.ResolveLogin"/>), the user it belongs to,
/// and this device's identity (a file in the profile directory, made on first use, named after the device id) with
/// its public keys registered with the server, so that others can wrap keys to it and check what it signs.
/// </summary>
internal sealed class DeviceLogin : IDisposable
{
    private DeviceLogin(Uri server, string token, string? pin, ConclaveApiClient api, MeDto me, DeviceIdentity identity)
    {
        Server = server;
        Token = token;
        Pin = pin;
        Api = api;
        Me = me;
        Identity = identity;
    }

    public Uri Server { get; }
    public string Token { get; }
    public string? Pin { get; }
    public ConclaveApiClient Api { get; }
    public MeDto Me { get; }
    public DeviceIdentity Identity { get; }

    public static async Task<DeviceLogin> OpenAsync(CliContext context, CancellationToken cancellationToken)
    {
        (Uri server, string token, string? pin, _) = context.ResolveLogin();
        ConclaveApiClient api = context.CreateApiClient(server, token, pin);
        DeviceIdentity? identity = null;
        try
        {
            MeDto me = await api.GetMeAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                identity = DeviceIdentityStore.LoadOrCreate(Path.Combine(context.Profiles.DirectoryPath, "devices", $"{Safe(me.DeviceId)}.json"));
            }
            catch (Exception e) when (e is DeviceIdentityFileException or IOException or UnauthorizedAccessException)
            {
                throw new CliException($"this device's keys cannot be used: {e.Message}");
            }
            await api.RegisterDeviceAsync(identity, cancellationToken).ConfigureAwait(false);
            return new DeviceLogin(server, token, pin, api, me, identity);
        }
        catch
        {
            identity?.Dispose();
            api.Dispose();
            throw;
        }
    }

    // A device id as a file name: letters, digits, '-' and '_' only.
    private static string Safe(string deviceId) =>
        deviceId.Length is > 0 and <= 128 && deviceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? deviceId
            : throw new CliException("the server named this device with characters a file name cannot hold");

    public void Dispose()
    {
        Identity.Dispose();
        Api.Dispose();
    }
}
