using System.Security.Cryptography;
using Conclave.E2ee.Hpke;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Conclave.E2ee.Identity;

/// <summary>
/// The long-term identity of one device: an Ed25519 signing key pair (RFC 8032 §5.1) that names the device and signs
/// what it publishes, an X25519 key-agreement key pair (DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1) and an X-Wing key
/// pair (X25519 + ML-KEM-768, draft-connolly-cfrg-xwing-kem-10) that others wrap media keys to with
/// <see cref="HpkeBaseMode.Seal"/>: with <see cref="HpkeSuite.XWingSha256Aes128Gcm"/> when they can, which stays safe
/// against a future quantum computer, else with <see cref="HpkeSuite.X25519Sha256Aes128Gcm"/>.
/// </summary>
/// <remarks>
/// <para>Only the public halves, <see cref="SigningPublicKey"/>, <see cref="AgreementPublicKey"/> and
/// <see cref="XWingPublicKey"/>, and signatures ever leave the device; the server and the peers never see a private
/// key. <see cref="DeviceIdentityStore"/> keeps the private keys in a file only the device's user can read.</para>
/// <para>An identity made before X-Wing (<see cref="FromPrivateKeys(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>, a
/// version 1 file) has no X-Wing key: <see cref="HasXWing"/> is false, <see cref="XWingPublicKey"/> empty and
/// <see cref="XWingKeyPair"/> null. <see cref="DeviceIdentityStore"/> gives such a file one on load.</para>
/// <para><see cref="ToString"/> shows the <see cref="Fingerprint"/> only. Dispose wipes the private keys this object
/// holds; after it, the public keys stay readable and the private-key operations throw.</para>
/// </remarks>
public sealed class DeviceIdentity : IDisposable
{
    /// <summary>Length of an Ed25519 private key (the RFC 8032 §5.1.5 secret seed) and of an X25519 private key.</summary>
    public const int PrivateKeyLength = 32;

    /// <summary>Length of an Ed25519 public key (RFC 8032 §5.1.5).</summary>
    public const int SigningPublicKeyLength = 32;

    /// <summary>Length of an X25519 public key (RFC 7748 §5; Npk, RFC 9180 §7.1).</summary>
    public const int AgreementPublicKeyLength = 32;

    /// <summary>Length of an Ed25519 signature R || S (RFC 8032 §5.1.6).</summary>
    public const int SignatureLength = 64;

    /// <summary>Length of an X-Wing encapsulation key pk_M || pk_X (Npk = 1184 + 32, X-Wing §5.6).</summary>
    public const int XWingPublicKeyLength = XWingKem.PublicKeyLength;

    /// <summary>Length of an X-Wing decapsulation key, which is a seed (Nsk, X-Wing §5.1).</summary>
    public const int XWingSeedLength = XWingKem.SeedLength;

    private readonly byte[] _signingPrivateKey;                      // pinned so the GC leaves no copy; wiped on Dispose
    private readonly byte[] _signingPublicKey;
    private readonly byte[] _agreementPublicKey;
    private readonly HpkeKeyPair _agreementKeyPair;                  // Owned
    private readonly HpkeKeyPair? _xWingKeyPair;                     // Owned; null for an identity made before X-Wing
    private readonly byte[] _xWingPublicKey;                         // empty without one
    private bool _disposed;

    private DeviceIdentity(ReadOnlySpan<byte> signingPrivateKey, HpkeKeyPair agreementKeyPair, HpkeKeyPair? xWingKeyPair)
    {
        _signingPrivateKey = GC.AllocateArray<byte>(PrivateKeyLength, pinned: true);
        signingPrivateKey.CopyTo(_signingPrivateKey);
        _signingPublicKey = new byte[SigningPublicKeyLength];
        Ed25519.GeneratePublicKey(_signingPrivateKey, _signingPublicKey);
        _agreementKeyPair = agreementKeyPair;
        _agreementPublicKey = agreementKeyPair.PublicKey.ToArray();
        _xWingKeyPair = xWingKeyPair;
        _xWingPublicKey = xWingKeyPair?.PublicKey.ToArray() ?? [];
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(_signingPublicKey));
    }

    /// <summary>The Ed25519 public key (RFC 8032 §5.1.5), 32 bytes: the device's name in rosters and security codes.</summary>
    public ReadOnlySpan<byte> SigningPublicKey => _signingPublicKey;

    /// <summary>The X25519 public key, 32 bytes: what senders pass to <see cref="HpkeBaseMode.Seal"/> as pkR.</summary>
    public ReadOnlySpan<byte> AgreementPublicKey => _agreementPublicKey;

    /// <summary>
    /// The key-agreement key pair, DHKEM(X25519, HKDF-SHA256), for <see cref="HpkeBaseMode.Open"/>. Borrowed: this
    /// identity owns and disposes it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The identity is disposed.</exception>
    public HpkeKeyPair AgreementKeyPair
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _agreementKeyPair;
        }
    }

    /// <summary>Whether this identity has an X-Wing key pair (every identity made or loaded by this version has).</summary>
    public bool HasXWing => _xWingKeyPair is not null;

    /// <summary>The X-Wing encapsulation key, 1216 bytes (empty without one): what senders pass to
    /// <see cref="HpkeBaseMode.Seal"/> as pkR with <see cref="HpkeSuite.XWingSha256Aes128Gcm"/>.</summary>
    public ReadOnlySpan<byte> XWingPublicKey => _xWingPublicKey;

    /// <summary>
    /// The X-Wing key pair, for <see cref="HpkeBaseMode.Open"/> with <see cref="HpkeSuite.XWingSha256Aes128Gcm"/>; null
    /// when the identity has none. Borrowed: this identity owns and disposes it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The identity is disposed.</exception>
    public HpkeKeyPair? XWingKeyPair
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _xWingKeyPair;
        }
    }

    /// <summary>Lowercase hex of SHA-256(<see cref="SigningPublicKey"/>): 64 characters to show and compare.</summary>
    public string Fingerprint { get; }

    /// <summary>A new identity: the three private keys are 32 bytes each from the OS CSPRNG (RFC 8032 §5.1.5; RFC 9180 §4;
    /// the X-Wing seed, X-Wing §5.1).</summary>
    public static DeviceIdentity Generate()
    {
        Span<byte> signingPrivateKey = stackalloc byte[PrivateKeyLength];
        HpkeKeyPair? agreement = null;
        try
        {
            RandomNumberGenerator.Fill(signingPrivateKey);
            agreement = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);
            HpkeKeyPair xWing = HpkeKeyPair.Generate(HpkeKemId.XWing);
            return new DeviceIdentity(signingPrivateKey, agreement, xWing);
        }
        catch
        {
            agreement?.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signingPrivateKey);
        }
    }

    /// <summary>
    /// The identity of two private keys, as made before X-Wing: an Ed25519 secret seed (RFC 8032 §5.1.5) and an X25519
    /// scalar (clamped here, RFC 7748 §5), with both public keys recomputed; it has no X-Wing key. The caller keeps
    /// and wipes its copies.
    /// </summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes.</exception>
    public static DeviceIdentity FromPrivateKeys(ReadOnlySpan<byte> signingPrivateKey, ReadOnlySpan<byte> agreementPrivateKey)
    {
        CheckLengths(signingPrivateKey, agreementPrivateKey);
        HpkeKeyPair agreement = HpkeKeyPair.FromPrivateKey(HpkeKemId.DhKemX25519HkdfSha256, agreementPrivateKey);
        return new DeviceIdentity(signingPrivateKey, agreement, null);
    }

    /// <summary>
    /// The identity of three private keys: an Ed25519 secret seed, an X25519 scalar (clamped here) and an X-Wing seed
    /// (expanded here, X-Wing §5.2), with the public keys recomputed. The caller keeps and wipes its copies.
    /// </summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes.</exception>
    public static DeviceIdentity FromPrivateKeys(ReadOnlySpan<byte> signingPrivateKey, ReadOnlySpan<byte> agreementPrivateKey, ReadOnlySpan<byte> xWingSeed)
    {
        CheckLengths(signingPrivateKey, agreementPrivateKey);
        if (xWingSeed.Length != XWingSeedLength)
            throw new ArgumentException($"an X-Wing seed is {XWingSeedLength} bytes", nameof(xWingSeed));
        HpkeKeyPair agreement = HpkeKeyPair.FromPrivateKey(HpkeKemId.DhKemX25519HkdfSha256, agreementPrivateKey);
        try
        {
            HpkeKeyPair xWing = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, xWingSeed);
            return new DeviceIdentity(signingPrivateKey, agreement, xWing);
        }
        catch
        {
            agreement.Dispose();
            throw;
        }
    }

    private static void CheckLengths(ReadOnlySpan<byte> signingPrivateKey, ReadOnlySpan<byte> agreementPrivateKey)
    {
        if (signingPrivateKey.Length != PrivateKeyLength)
            throw new ArgumentException($"an Ed25519 private key is {PrivateKeyLength} bytes", nameof(signingPrivateKey));
        if (agreementPrivateKey.Length != PrivateKeyLength)
            throw new ArgumentException($"an X25519 private key is {PrivateKeyLength} bytes", nameof(agreementPrivateKey));
    }

    /// <summary>Ed25519 signature of <paramref name="message"/> (pure Ed25519, no context, RFC 8032 §5.1.6): 64 bytes.</summary>
    /// <exception cref="ObjectDisposedException">The identity is disposed.</exception>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] signature = new byte[SignatureLength];
        // Spans on purpose: with two byte[] arguments this call binds to the Ed25519ctx overload Sign(sk, byte[] ctx,
        // m, sig) and signs with the public key as context (RFC 8032 §5.1, phflag 0 with a context), not pure Ed25519.
        Ed25519.Sign((ReadOnlySpan<byte>)_signingPrivateKey, (ReadOnlySpan<byte>)_signingPublicKey, message, signature);
        return signature;
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is a valid Ed25519 signature of <paramref name="message"/> under
    /// <paramref name="publicKey"/> (RFC 8032 §5.1.7, which rejects S ≥ L and undecodable points). Never throws:
    /// every hostile input, including wrong lengths, gives false.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> message)
    {
        if (publicKey.Length != SigningPublicKeyLength || signature.Length != SignatureLength) return false;
        try
        {
            return Ed25519.Verify(signature, publicKey, message);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ArithmeticException or IndexOutOfRangeException)
        {
            return false;                                            // peer input: a status, never an exception
        }
    }

    /// <summary>Copies both private keys out for <see cref="DeviceIdentityStore"/>; the caller wipes them.</summary>
    internal void ExportPrivateKeys(Span<byte> signingPrivateKey, Span<byte> agreementPrivateKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _signingPrivateKey.CopyTo(signingPrivateKey);
        byte[] agreement = _agreementKeyPair.ExportPrivateKey();
        try
        {
            agreement.CopyTo(agreementPrivateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(agreement);
        }
    }

    /// <summary>Copies the X-Wing seed out for <see cref="DeviceIdentityStore"/>; false (nothing written) without one. The caller wipes it.</summary>
    internal bool ExportXWingSeed(Span<byte> seed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_xWingKeyPair is null) return false;
        byte[] exported = _xWingKeyPair.ExportPrivateKey();
        try
        {
            exported.CopyTo(seed);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(exported);
        }
    }

    /// <summary>A new identity with this one's signing and agreement keys and the X-Wing key of <paramref name="xWingSeed"/>
    /// (the upgrade of an identity made before X-Wing). This one stays as it is; the caller disposes both.</summary>
    internal DeviceIdentity WithXWingSeed(ReadOnlySpan<byte> xWingSeed)
    {
        Span<byte> signing = stackalloc byte[PrivateKeyLength];
        Span<byte> agreement = stackalloc byte[PrivateKeyLength];
        try
        {
            ExportPrivateKeys(signing, agreement);
            return FromPrivateKeys(signing, agreement, xWingSeed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
        }
    }

    /// <summary>Shows the fingerprint only; never any key bytes.</summary>
    public override string ToString() => $"DeviceIdentity {{ Fingerprint = {Fingerprint} }}";

    /// <summary>Wipes the signing private key and disposes the agreement and X-Wing key pairs (which wipe their own). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_signingPrivateKey);
        _agreementKeyPair.Dispose();
        _xWingKeyPair?.Dispose();
    }
}
