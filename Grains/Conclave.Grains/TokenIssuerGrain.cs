using System.Security.Cryptography;

namespace Conclave.Grains;

/// <summary>
/// The embedded token issuer's cluster-wide state, persisted in <see cref="StorageNames.State"/>: one ECDSA P-256
/// signing key shared by every node and the one-time admin credential claim. The private key is stored as PKCS#8
/// in grain storage, so that storage must be protected like the key itself.
/// </summary>
public sealed class TokenIssuerGrain(
    [PersistentState("token-issuer", StorageNames.State)] IPersistentState<TokenIssuerState> state) : Grain, ITokenIssuerGrain
{
    /// <inheritdoc />
    public async Task<byte[]> GetOrCreateSigningKeyAsync()
    {
        if (state.State.SigningKeyPkcs8 is not { } key)
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            key = ecdsa.ExportPkcs8PrivateKey();
            await state.CommitAsync(state.State with { SigningKeyPkcs8 = key });
        }
        return key.ToArray();
    }

    /// <inheritdoc />
    /// <remarks>The claim is persisted before true is returned, so a crash can lose the credential but never hand out two.</remarks>
    public async Task<bool> TryClaimAdminCredentialAsync()
    {
        if (state.State.AdminCredentialClaimed) return false;
        await state.CommitAsync(state.State with { AdminCredentialClaimed = true });
        return true;
    }
}
