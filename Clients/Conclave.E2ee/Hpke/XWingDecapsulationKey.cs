using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// An expanded X-Wing decapsulation key (draft-connolly-cfrg-xwing-kem-10 §5.5.1): the ML-KEM-768 private key,
/// the X25519 private key and pk, cached so each Decap skips SHAKE256 and ML-KEM key generation. It never leaves
/// the process (§5.5.1: an expanded key MUST NOT be transmitted); the 32-byte seed is the serialised form.
/// BouncyCastle keeps its own copy of the ML-KEM key, which Dispose can only release to the GC, not wipe.
/// </summary>
internal sealed class XWingDecapsulationKey : IDisposable
{
    private readonly byte[] _x25519PrivateKey;
    private readonly byte[] _publicKey;

    public XWingDecapsulationKey(MLKemPrivateKeyParameters mlKemKey, ReadOnlySpan<byte> x25519PrivateKey, byte[] publicKey)
    {
        MlKemKey = mlKemKey;
        _x25519PrivateKey = x25519PrivateKey.ToArray();
        _publicKey = publicKey;
    }

    /// <summary>sk_M.</summary>
    public MLKemPrivateKeyParameters MlKemKey { get; }

    /// <summary>pk = pk_M || pk_X (1216 bytes).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>ss_X = X25519(sk_X, ct_X) (§5.5), with no all-zero check (X-Wing does not require one).</summary>
    public void X25519(ReadOnlySpan<byte> ciphertextX, Span<byte> sharedSecretX) =>
        Org.BouncyCastle.Math.EC.Rfc7748.X25519.ScalarMult(_x25519PrivateKey, ciphertextX, sharedSecretX);

    public void Dispose() => CryptographicOperations.ZeroMemory(_x25519PrivateKey);
}
