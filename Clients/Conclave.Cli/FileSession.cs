using Conclave.Client;
using Conclave.Client.Files;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// What the file commands share: the login (<see cref="CliContext.ResolveLogin"/>), this device's identity (a file in
/// the profile directory, made on first use, named after the device id) registered with the server, and the
/// <see cref="SecureFiles"/> over them. Interrupted sends are remembered under <c>uploads/</c> there.
/// </summary>
internal sealed class FileSession : IDisposable
{
    private readonly DeviceIdentity _identity;
    private readonly HttpClient _transfers;

    private FileSession(ConclaveApiClient api, HttpClient transfers, DeviceIdentity identity, MeDto me, SecureFiles files, PendingUploadStore pending)
    {
        Api = api;
        _transfers = transfers;
        _identity = identity;
        Me = me;
        Files = files;
        Pending = pending;
    }

    public ConclaveApiClient Api { get; }
    public MeDto Me { get; }
    public SecureFiles Files { get; }
    public PendingUploadStore Pending { get; }

    public static async Task<FileSession> OpenAsync(CliContext context, CancellationToken cancellationToken)
    {
        (Uri server, string token, string? pin, _) = context.ResolveLogin();
        ConclaveApiClient api = context.CreateApiClient(server, token, pin);
        HttpClient? transfers = null;
        DeviceIdentity? identity = null;
        try
        {
            MeDto me = await api.GetMeAsync(cancellationToken).ConfigureAwait(false);
            string home = context.Profiles.DirectoryPath;
            try
            {
                identity = DeviceIdentityStore.LoadOrCreate(Path.Combine(home, "devices", $"{Safe(me.DeviceId)}.json"));
            }
            catch (Exception e) when (e is DeviceIdentityFileException or IOException or UnauthorizedAccessException)
            {
                throw new CliException($"this device's keys cannot be used: {e.Message}");
            }
            transfers = ConclaveApiClient.CreateHttpClient(server, new ConclaveClientOptions { PinnedCertificateSha256 = pin, RequestTimeout = Timeout.InfiniteTimeSpan });
            var files = new SecureFiles(api, transfers, token, identity, me.UserId);
            await files.RegisterDeviceAsync(cancellationToken).ConfigureAwait(false);
            return new FileSession(api, transfers, identity, me, files, new PendingUploadStore(Path.Combine(home, "uploads")));
        }
        catch
        {
            identity?.Dispose();
            transfers?.Dispose();
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
        _identity.Dispose();
        _transfers.Dispose();
        Api.Dispose();
    }
}
