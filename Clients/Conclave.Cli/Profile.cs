namespace Conclave.Cli;

/// <summary>
/// The saved login (<c>profile.json</c>): the device token an invitation was redeemed for, and where it works.
/// <paramref name="CertSha256"/> is the certificate pin used at login, reused for that server.
/// </summary>
internal sealed record Profile(
    string Server,
    string Token,
    string UserId,
    string DeviceId,
    string DisplayName,
    string Room,
    DateTimeOffset ExpiresAt,
    string? CertSha256 = null);
