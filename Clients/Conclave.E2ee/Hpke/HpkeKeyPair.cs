using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// A recipient (device) key pair for one KEM: the private key in its serialised form (RFC 9180 §7.1.2; X-Wing: the
/// 32-byte seed, §5.6) and the public key others wrap to. <see cref="ToString"/> names only the KEM, and the
/// private key leaves only through <see cref="ExportPrivateKey"/>. Dispose wipes it; use after Dispose throws.
/// </summary>
public sealed class HpkeKeyPair : IDisposable
{
    private readonly byte[] _privateKey;
    private readonly byte[] _publicKey;
    private readonly XWingDecapsulationKey? _xWingKey;              // Owned; X-Wing only
    private bool _disposed;

    private HpkeKeyPair(HpkeKemId kem, byte[] privateKey, byte[] publicKey, XWingDecapsulationKey? xWingKey)
    {
        Kem = kem;
        _privateKey = privateKey;
        _publicKey = publicKey;
        _xWingKey = xWingKey;
    }

    /// <summary>The KEM this key pair belongs to.</summary>
    public HpkeKemId Kem { get; }

    /// <summary>SerializePublicKey(pk) (RFC 9180 §4, §7.1.1): Npk bytes to publish for senders.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>A new key pair from the OS CSPRNG (GenerateKeyPair, RFC 9180 §4).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The KEM is not supported.</exception>
    public static HpkeKeyPair Generate(HpkeKemId kem)
    {
        ThrowIfUnsupported(kem);
        Span<byte> privateKey = stackalloc byte[kem.PrivateKeyLength()];
        try
        {
            RandomNumberGenerator.Fill(privateKey);
            return FromPrivateKey(kem, privateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>
    /// DeriveKeyPair(ikm) for DHKEM(X25519, HKDF-SHA256) (RFC 9180 §7.1.3). Not offered for X-Wing: the X-Wing draft
    /// (§5.6, SHAKE256(ikm, 32)) and draft-ietf-hpke-pq (a labelled derivation) disagree, so an X-Wing key is
    /// carried as its seed (<see cref="FromPrivateKey"/>) instead.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The KEM is not DHKEM(X25519, HKDF-SHA256).</exception>
    /// <exception cref="ArgumentException"><paramref name="ikm"/> is shorter than Nsk (32) bytes (§7.1.3: SHOULD have Nsk bytes of entropy).</exception>
    public static HpkeKeyPair DeriveKeyPair(HpkeKemId kem, ReadOnlySpan<byte> ikm)
    {
        if (kem != HpkeKemId.DhKemX25519HkdfSha256)
            throw new ArgumentOutOfRangeException(nameof(kem), kem, "DeriveKeyPair is offered for DHKEM(X25519, HKDF-SHA256) only");
        if (ikm.Length < DhKemX25519.Length)
            throw new ArgumentException($"ikm must be at least Nsk = {DhKemX25519.Length} bytes", nameof(ikm));
        Span<byte> privateKey = stackalloc byte[DhKemX25519.Length];
        Span<byte> publicKey = stackalloc byte[DhKemX25519.Length];
        try
        {
            DhKemX25519.DeriveKeyPair(ikm, privateKey, publicKey);
            return FromPrivateKey(kem, privateKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    /// <summary>
    /// DeserializePrivateKey (RFC 9180 §7.1.2): an X25519 scalar (clamped here) or an X-Wing seed (expanded here,
    /// X-Wing §5.2), with its public key recomputed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The KEM is not supported.</exception>
    /// <exception cref="ArgumentException"><paramref name="privateKey"/> is not Nsk (32) bytes.</exception>
    public static HpkeKeyPair FromPrivateKey(HpkeKemId kem, ReadOnlySpan<byte> privateKey)
    {
        ThrowIfUnsupported(kem);
        if (privateKey.Length != kem.PrivateKeyLength())
            throw new ArgumentException($"the private key must be Nsk = {kem.PrivateKeyLength()} bytes", nameof(privateKey));
        if (kem == HpkeKemId.XWing)
        {
            XWingDecapsulationKey expanded = XWingKem.ExpandDecapsulationKey(privateKey);
            return new HpkeKeyPair(kem, privateKey.ToArray(), expanded.PublicKey.ToArray(), expanded);
        }
        byte[] clamped = new byte[DhKemX25519.Length];
        byte[] publicKey = new byte[DhKemX25519.Length];
        DhKemX25519.ImportPrivateKey(privateKey, clamped, publicKey);
        return new HpkeKeyPair(kem, clamped, publicKey, null);
    }

    /// <summary>
    /// SerializePrivateKey (RFC 9180 §7.1.2): Nsk bytes to store the device key (X25519: clamped; X-Wing: the seed).
    /// The caller owns, protects and wipes the copy.
    /// </summary>
    public byte[] ExportPrivateKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _privateKey.ToArray();
    }

    /// <summary>Decap(enc, skR) for this key pair's KEM (RFC 9180 §4; X-Wing §5.6): Nsecret bytes.</summary>
    internal HpkeStatus Decap(ReadOnlySpan<byte> enc, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _xWingKey is not null
            ? XWingKem.Decapsulate(enc, _xWingKey, sharedSecret)
            : DhKemX25519.Decap(enc, _privateKey, _publicKey, sharedSecret);
    }

    /// <summary>Names the KEM only; never any key bytes.</summary>
    public override string ToString() => $"HpkeKeyPair {{ Kem = {Kem} }}";

    /// <summary>Wipes the private key (and X-Wing's expanded X25519 key). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_privateKey);
        _xWingKey?.Dispose();
    }

    private static void ThrowIfUnsupported(HpkeKemId kem)
    {
        if (!kem.IsSupported()) throw new ArgumentOutOfRangeException(nameof(kem), kem, "unsupported HPKE KEM");
    }
}
