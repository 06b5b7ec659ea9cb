using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Conclave.E2ee.Roster;

/// <summary>
/// The security code of a call: a short string every participant sees, derived from the identity keys of the
/// current roster only, so that people who compare it (aloud, on screen) know they all talk to the same set of
/// devices and that the server slipped nobody in. It changes whenever a device joins or leaves.
/// </summary>
/// <remarks>
/// <para>Definition (version 1; the browser's <c>Clients/web/e2ee/security-code.js</c> computes the same):</para>
/// <list type="number">
/// <item>The roster's identity public keys, as raw bytes, duplicates removed, sorted in ascending byte order
/// (unsigned, shorter first when one is a prefix of the other), so every participant gets the same order.</item>
/// <item><c>digest = SHA-256("Conclave security code v1" || 0x00 || uint16(count) || for each key: uint16(length) ||
/// key)</c>, integers big-endian (<see cref="Digest"/>). The lengths make the encoding unambiguous.</item>
/// <item>The code is <see cref="GroupCount"/> groups of <see cref="DigitsPerGroup"/> digits: group i is the 40-bit
/// big-endian integer of digest bytes [5i, 5i + 5) modulo 100,000, zero-padded, the groups separated by spaces
/// (about 66 bits in all; the modulo bias is below 10⁻⁶).</item>
/// </list>
/// </remarks>
public static class SecurityCode
{
    /// <summary>Groups in a code.</summary>
    public const int GroupCount = 4;

    /// <summary>Digits in a group.</summary>
    public const int DigitsPerGroup = 5;

    /// <summary>Bytes of a <see cref="Digest"/>: a SHA-256 output.</summary>
    public const int DigestLength = 32;

    private const int BytesPerGroup = 5;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("Conclave security code v1");

    /// <summary>The code of a roster whose devices have <paramref name="identityKeys"/>.</summary>
    /// <exception cref="ArgumentException">No key, an empty key, a key over 65,535 bytes, or more than 65,535 keys.</exception>
    public static string Compute(IEnumerable<ReadOnlyMemory<byte>> identityKeys)
    {
        ArgumentNullException.ThrowIfNull(identityKeys);
        List<byte[]> keys = [.. identityKeys.Select(k => k.ToArray())];
        if (keys.Count == 0) throw new ArgumentException("A roster has at least one identity key.", nameof(identityKeys));
        byte[] digest = DigestOf(keys, nameof(identityKeys));

        var code = new StringBuilder(GroupCount * (DigitsPerGroup + 1));
        for (int group = 0; group < GroupCount; group++)
        {
            ulong value = 0;
            foreach (byte b in digest.AsSpan(group * BytesPerGroup, BytesPerGroup)) value = value << 8 | b;
            if (group > 0) code.Append(' ');
            code.Append((value % 100_000).ToString("D5", System.Globalization.CultureInfo.InvariantCulture));
        }
        return code.ToString();
    }

    /// <summary>
    /// Step 2 of the definition: the <see cref="DigestLength"/>-byte SHA-256 digest of the set
    /// <paramref name="identityKeys"/>, deduplicated and sorted, from which <see cref="Compute"/> takes the code. Signed
    /// membership statements name the participant set by it. An empty set has a digest too (count 0), though it has no code.
    /// </summary>
    /// <exception cref="ArgumentException">An empty key, a key over 65,535 bytes, or more than 65,535 distinct keys.</exception>
    public static byte[] Digest(IEnumerable<ReadOnlyMemory<byte>> identityKeys)
    {
        ArgumentNullException.ThrowIfNull(identityKeys);
        return DigestOf([.. identityKeys.Select(k => k.ToArray())], nameof(identityKeys));
    }

    private static byte[] DigestOf(List<byte[]> keys, string parameter)
    {
        if (keys.Any(k => k.Length is 0 or > ushort.MaxValue)) throw new ArgumentException("Identity keys are 1 to 65,535 bytes.", parameter);
        keys.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        keys = [.. keys.Where((k, i) => i == 0 || !k.AsSpan().SequenceEqual(keys[i - 1]))];
        if (keys.Count > ushort.MaxValue) throw new ArgumentException("At most 65,535 identity keys.", parameter);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[2];
        hash.AppendData(Label);
        hash.AppendData([0]);
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)keys.Count);
        hash.AppendData(length);
        foreach (byte[] key in keys)
        {
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)key.Length);
            hash.AppendData(length);
            hash.AppendData(key);
        }
        return hash.GetHashAndReset();
    }
}
