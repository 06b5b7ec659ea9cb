using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.E2ee.SFrame;

/*  RFC 9605 §4.4.2
      def derive_key_salt(KID, base_key):
        sframe_secret = HKDF-Extract("", base_key)
        sframe_key_label = "SFrame 1.0 Secret key " + KID + cipher_suite
        sframe_key = HKDF-Expand(sframe_secret, sframe_key_label, AEAD.Nk)
        sframe_salt_label = "SFrame 1.0 Secret salt " + KID + cipher_suite
        sframe_salt = HKDF-Expand(sframe_secret, sframe_salt_label, AEAD.Nn)
    KID is an 8-byte big-endian integer (not the header's compact form), cipher_suite a 2-byte big-endian integer,
    and HKDF uses the suite's hash.                                                                              */
/// <summary>
/// The SFrame key schedule (RFC 9605 §4.4.2): sframe_key and sframe_salt from a base_key and its KID. A setup-path
/// operation, run once per key; intermediate secrets are wiped from the stack.
/// </summary>
public static class SFrameKeyDerivation
{
    /// <summary>The longest label: "SFrame 1.0 Secret salt " (23) + KID (8) + cipher suite (2).</summary>
    internal const int MaxLabelLength = 33;

    private const int MaxHashLength = 64;

    private static ReadOnlySpan<byte> KeyLabelPrefix => "SFrame 1.0 Secret key "u8;
    private static ReadOnlySpan<byte> SaltLabelPrefix => "SFrame 1.0 Secret salt "u8;

    /// <summary>
    /// Derives sframe_key (AEAD.Nk bytes) and sframe_salt (AEAD.Nn bytes) for <paramref name="keyId"/> from
    /// <paramref name="baseKey"/> (RFC 9605 §4.4.2).
    /// </summary>
    /// <exception cref="ArgumentException">An unsupported suite, an empty base key, or outputs of the wrong length.</exception>
    public static void DeriveKeyAndSalt(SFrameCipherSuite suite, ulong keyId, ReadOnlySpan<byte> baseKey, Span<byte> sframeKey, Span<byte> sframeSalt)
    {
        SFrameCipherSuiteExtensions.ThrowIfUnsupported(suite);
        if (baseKey.IsEmpty) throw new ArgumentException("base_key is empty", nameof(baseKey));
        if (sframeKey.Length != suite.KeyLength()) throw new ArgumentException($"sframe_key must be Nk = {suite.KeyLength()} bytes", nameof(sframeKey));
        if (sframeSalt.Length != suite.NonceLength()) throw new ArgumentException($"sframe_salt must be Nn = {suite.NonceLength()} bytes", nameof(sframeSalt));

        HashAlgorithmName hash = suite.HashAlgorithm();
        Span<byte> secret = stackalloc byte[MaxHashLength];
        secret = secret[..suite.HashLength()];
        Span<byte> label = stackalloc byte[MaxLabelLength];
        try
        {
            DeriveSecret(suite, baseKey, secret);
            HKDF.Expand(hash, secret, sframeKey, label[..WriteKeyLabel(suite, keyId, label)]);
            HKDF.Expand(hash, secret, sframeSalt, label[..WriteSaltLabel(suite, keyId, label)]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>sframe_secret = HKDF-Extract("", base_key) with the suite's hash: Nh bytes into <paramref name="secret"/>.</summary>
    internal static void DeriveSecret(SFrameCipherSuite suite, ReadOnlySpan<byte> baseKey, Span<byte> secret) =>
        HKDF.Extract(suite.HashAlgorithm(), baseKey, ReadOnlySpan<byte>.Empty, secret);

    /// <summary>Writes "SFrame 1.0 Secret key " + KID + cipher_suite; returns its length (32).</summary>
    internal static int WriteKeyLabel(SFrameCipherSuite suite, ulong keyId, Span<byte> destination) =>
        WriteLabel(KeyLabelPrefix, suite, keyId, destination);

    /// <summary>Writes "SFrame 1.0 Secret salt " + KID + cipher_suite; returns its length (33).</summary>
    internal static int WriteSaltLabel(SFrameCipherSuite suite, ulong keyId, Span<byte> destination) =>
        WriteLabel(SaltLabelPrefix, suite, keyId, destination);

    private static int WriteLabel(ReadOnlySpan<byte> prefix, SFrameCipherSuite suite, ulong keyId, Span<byte> destination)
    {
        prefix.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[prefix.Length..], keyId);                  // KID: 8 bytes BE
        BinaryPrimitives.WriteUInt16BigEndian(destination[(prefix.Length + 8)..], (ushort)suite);    // suite: 2 bytes BE
        return prefix.Length + 8 + 2;
    }
}
