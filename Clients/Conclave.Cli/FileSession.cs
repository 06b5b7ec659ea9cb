using Conclave.Client;
using Conclave.Client.Files;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// What the file commands share: this device's login (<see cref="DeviceLogin"/>) and the <see cref="SecureFiles"/>
/// over it. Interrupted sends are remembered under <c>uploads/</c> in the profile directory.
/// </summary>
internal sealed class FileSession : IDisposable
{
    private readonly DeviceLogin _login;
    private readonly HttpClient _transfers;

    private FileSession(DeviceLogin login, HttpClient transfers, SecureFiles files, PendingUploadStore pending)
    {
        _login = login;
        _transfers = transfers;
        Files = files;
        Pending = pending;
    }

    public ConclaveApiClient Api => _login.Api;
    public MeDto Me => _login.Me;
    public SecureFiles Files { get; }
    public PendingUploadStore Pending { get; }

    public static async Task<FileSession> OpenAsync(CliContext context, CancellationToken cancellationToken)
    {
        DeviceLogin login = await DeviceLogin.OpenAsync(context, cancellationToken).ConfigureAwait(false);
        HttpClient transfers = ConclaveApiClient.CreateHttpClient(login.Server,
            new ConclaveClientOptions { PinnedCertificateSha256 = login.Pin, RequestTimeout = Timeout.InfiniteTimeSpan });
        var files = new SecureFiles(login.Api, transfers, login.Token, login.Identity, login.Me.UserId);
        return new FileSession(login, transfers, files, new PendingUploadStore(Path.Combine(context.Profiles.DirectoryPath, "uploads")));
    }

    public void Dispose()
    {
        _transfers.Dispose();
        _login.Dispose();
    }
}
