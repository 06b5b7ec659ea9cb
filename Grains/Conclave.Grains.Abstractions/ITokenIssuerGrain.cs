namespace Conclave.Grains;

/// <summary>
/// The embedded token issuer's cluster-wide state (key <see cref="Key"/>): the signing key shared by every
/// node, and whether the admin credential was already handed out. Persistent.
/// </summary>
public interface ITokenIssuerGrain : IGrainWithStringKey
{
    /// <summary>The only key used.</summary>
    public const string Key = "embedded";

    /// <summary>The ECDSA P-256 signing key (PKCS#8), created on first call.</summary>
    Task<byte[]> GetOrCreateSigningKeyAsync();

    /// <summary>True exactly once per cluster: the caller should mint and print the admin credential.</summary>
    Task<bool> TryClaimAdminCredentialAsync();
}
