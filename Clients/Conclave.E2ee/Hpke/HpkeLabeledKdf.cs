using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace Conclave.E2ee.Hpke;

/*  RFC 9180 §4 (two-stage KDF; here always HKDF-SHA256)
      def LabeledExtract(salt, label, ikm):
        labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
        return Extract(salt, labeled_ikm)

      def LabeledExpand(prk, label, info, L):
        labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info)
        return Expand(prk, labeled_info, L)

    draft-ietf-hpke-hpke §4 (one-stage KDF; here SHAKE256, Derive(ikm, L) = SHAKE256(ikm, 8L))
      def LabeledDerive(ikm, label, context, L):
        labeled_ikm = concat(ikm, "HPKE-v1", suite_id, lengthPrefixed(label), I2OSP(L, 2), context)
        return Derive(labeled_ikm, L)
    The version label is "HPKE-v1" as in the draft-ietf-hpke-pq-04 vectors; some revisions of draft-ietf-hpke-hpke
    print "HPKE_v1" here. The one-stage KDF is a draft: check this label again before relying on it.
    suite_id is "KEM" || kem_id inside a KEM and "HPKE" || kem_id || kdf_id || aead_id elsewhere.            */
/// <summary>
/// The labelled KDF calls of HPKE (RFC 9180 §4; draft-ietf-hpke-hpke §4 for one-stage KDFs). Setup-path code:
/// labelled inputs are built in stack scratch (up to 256 bytes) or a pooled array, and wiped after use because
/// they can hold a Diffie-Hellman output or another secret.
/// </summary>
internal static class HpkeLabeledKdf
{
    /// <summary>Nh of HKDF-SHA256.</summary>
    public const int Sha256Length = 32;

    private const int StackLimit = 256;

    private static ReadOnlySpan<byte> Version => "HPKE-v1"u8;

    /// <summary>LabeledExtract(salt, label, ikm) with HKDF-SHA256 (RFC 9180 §4): 32 bytes into <paramref name="prk"/>.</summary>
    public static void LabeledExtract(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> label, ReadOnlySpan<byte> ikm, Span<byte> prk)
    {
        int length = Version.Length + suiteId.Length + label.Length + ikm.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> labeledIkm = (rented is null ? stackalloc byte[StackLimit] : rented)[..length];
        try
        {
            int n = Append(labeledIkm, 0, Version);
            n = Append(labeledIkm, n, suiteId);
            n = Append(labeledIkm, n, label);
            Append(labeledIkm, n, ikm);
            HKDF.Extract(HashAlgorithmName.SHA256, labeledIkm, salt, prk[..Sha256Length]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(labeledIkm);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// LabeledExpand(prk, label, info, L) with HKDF-SHA256 (RFC 9180 §4), L = <paramref name="output"/>.Length,
    /// which the caller keeps within 1..255 * Nh (RFC 5869 §2.3).
    /// </summary>
    public static void LabeledExpand(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> label, ReadOnlySpan<byte> info, Span<byte> output)
    {
        int length = 2 + Version.Length + suiteId.Length + label.Length + info.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> labeledInfo = (rented is null ? stackalloc byte[StackLimit] : rented)[..length];
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(labeledInfo, (ushort)output.Length);          // I2OSP(L, 2)
            int n = Append(labeledInfo, 2, Version);
            n = Append(labeledInfo, n, suiteId);
            n = Append(labeledInfo, n, label);
            Append(labeledInfo, n, info);
            HKDF.Expand(HashAlgorithmName.SHA256, prk, output, labeledInfo);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// LabeledDerive(ikm, label, context, L) with SHAKE256 (draft-ietf-hpke-hpke §4), L = <paramref name="output"/>.Length
    /// ≤ 65535. The labelled input is absorbed piece by piece, so it is never materialised.
    /// </summary>
    public static void LabeledDerive(ReadOnlySpan<byte> suiteId, ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        var shake = new ShakeDigest(256);
        Span<byte> length = stackalloc byte[2];
        shake.BlockUpdate(ikm);
        shake.BlockUpdate(Version);
        shake.BlockUpdate(suiteId);
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)label.Length);                  // lengthPrefixed(label)
        shake.BlockUpdate(length);
        shake.BlockUpdate(label);
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)output.Length);                 // I2OSP(L, 2)
        shake.BlockUpdate(length);
        shake.BlockUpdate(context);
        shake.OutputFinal(output);
    }

    private static int Append(Span<byte> destination, int offset, ReadOnlySpan<byte> source)
    {
        source.CopyTo(destination[offset..]);
        return offset + source.Length;
    }
}
