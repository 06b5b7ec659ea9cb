using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Conclave.MediaServer.Identity;

/// <summary>
/// Holds the embedded issuer's ECDSA P-256 key once <see cref="StartupService"/> has fetched it from the
/// cluster (every node signs and validates with the same key).
/// </summary>
public sealed class SigningKeyStore : IDisposable
{
    private ECDsa? _ecdsa; // Owned
    private volatile ECDsaSecurityKey? _key;

    /// <summary>The key, or null before startup completed.</summary>
    public ECDsaSecurityKey? Current => _key;

    /// <summary>Loads the PKCS#8 private key.</summary>
    public void Load(byte[] pkcs8)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        // Its own provider factory: the shared default caches signature providers by key id, and would
        // hand a later key with the same id (another host in this process) a provider over this disposed ECDsa.
        var key = new ECDsaSecurityKey(ecdsa) { CryptoProviderFactory = new CryptoProviderFactory() };
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        _ecdsa = ecdsa;
        _key = key;
    }

    /// <inheritdoc />
    public void Dispose() => _ecdsa?.Dispose();
}
