using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Conclave.E2ee.Identity;
using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Calls;

/// <summary>
/// The call's key schedule (docs/e2ee.md, "Key distribution"): one secret per key epoch, shared by the call's signed
/// members, from which every sender's SFrame base_key is derived (as RFC 9605 §5.2 does from an MLS epoch secret).
/// The browser computes the same bytes (<c>Clients/web/e2ee/epoch-keys.js</c>). Integers big-endian; strings are
/// <c>uint16(length) || UTF-8</c>.
/// <code>
///   sender index(p)     = uint32 of the first 4 bytes of SHA-256("Conclave sender v1" || 0x00 || session || signing key)
///   base_key(p, epoch)  = HKDF-Expand(epoch secret, "Conclave SFrame sender v1" || 0x00 || session || signing key, 16)
///   secret(epoch + 1)   = HKDF-Expand(secret(epoch), "Conclave epoch ratchet v1", 32)     on a join (ratchet)
///                       = 32 random bytes                                                 on a leave (fresh)
///   HPKE info of a wrap = "Conclave epoch key v1" || 0x00 || room || call || from session || to session || uint64 epoch
///   signed message      = "Conclave e2ee message v1" || 0x00 || room || call || from session || to session || UTF-8(body)
/// </code>
/// Every key-distribution message is signed (Ed25519) by its sender's device over <see cref="MessageToSign"/>, body
/// being the message's JSON text as sent: HPKE base mode does not say who sealed a wrap, and the relay's <c>from</c> is
/// the server's word, so without the signature a server could hand a member a key of its own choosing.
/// </summary>
/// <remarks>
/// <para>The base key depends on the session and the device's signing key, so two senders never share one (and never
/// repeat a nonce) even if their 32-bit indexes collide; a collision only makes a receiver try the wrong key.</para>
/// <para>Text is encoded as the browser's <c>TextEncoder</c> does: an unpaired surrogate becomes U+FFFD.</para>
/// </remarks>
public static class EpochKeys
{
    /// <summary>Length of an epoch secret.</summary>
    public const int EpochSecretLength = 32;

    /// <summary>Length of a sender's SFrame base_key: Nk of AES_128_GCM_SHA256_128 (RFC 9605 §8.1).</summary>
    public const int BaseKeyLength = 16;

    private static readonly byte[] SenderIndexLabel = "Conclave sender v1\0"u8.ToArray();
    private static readonly byte[] SenderKeyLabel = "Conclave SFrame sender v1\0"u8.ToArray();
    private static readonly byte[] RatchetLabel = "Conclave epoch ratchet v1"u8.ToArray();
    private static readonly byte[] WrapLabel = "Conclave epoch key v1\0"u8.ToArray();
    private static readonly byte[] MessageLabel = "Conclave e2ee message v1\0"u8.ToArray();

    /// <summary>The participant's sender index: the high bits of its SFrame KIDs (<see cref="SFrameKeyId"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="signingKey"/> is not 32 bytes, or <paramref name="session"/> is over 65,535 UTF-8 bytes.</exception>
    public static uint SenderIndex(string session, ReadOnlySpan<byte> signingKey)
    {
        byte[] input = Concat(SenderIndexLabel, SenderId(session, signingKey));
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, digest);
        return BinaryPrimitives.ReadUInt32BigEndian(digest);
    }

    /// <summary>The KID (<c>senderIndex &lt;&lt; 8 | epoch &amp; 0xff</c>) and SFrame base_key the participant sends with in <paramref name="epoch"/>.</summary>
    /// <exception cref="ArgumentException">A secret that is not 32 bytes, a signing key that is not 32 bytes, or a session over 65,535 UTF-8 bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public static (ulong Kid, byte[] BaseKey) SenderKey(ReadOnlySpan<byte> epochSecret, long epoch, string session, ReadOnlySpan<byte> signingKey)
    {
        RequireSecret(epochSecret);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        byte[] id = SenderId(session, signingKey);
        byte[] baseKey = new byte[BaseKeyLength];
        HKDF.Expand(HashAlgorithmName.SHA256, epochSecret, baseKey, Concat(SenderKeyLabel, id));
        return (SFrameKeyId.Create(SenderIndex(session, signingKey), (ulong)epoch).Value, baseKey);
    }

    /// <summary>The next epoch's secret on a join: the newcomer, given only this one, cannot compute earlier ones.</summary>
    /// <exception cref="ArgumentException"><paramref name="epochSecret"/> is not 32 bytes.</exception>
    public static byte[] Ratchet(ReadOnlySpan<byte> epochSecret)
    {
        RequireSecret(epochSecret);
        byte[] next = new byte[EpochSecretLength];
        HKDF.Expand(HashAlgorithmName.SHA256, epochSecret, next, RatchetLabel);
        return next;
    }

    /// <summary>A new epoch's secret on a leave: 32 bytes from the OS CSPRNG, unrelated to every earlier one.</summary>
    public static byte[] FreshSecret() => RandomNumberGenerator.GetBytes(EpochSecretLength);

    /// <summary>The HPKE info binding a wrapped epoch secret to its call, its sender, its recipient and its epoch.</summary>
    /// <exception cref="ArgumentException">A text over 65,535 UTF-8 bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    public static byte[] WrapInfo(string room, string call, string from, string to, long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        byte[][] parts = [WrapLabel, Text(room, nameof(room)), Text(call, nameof(call)), Text(from, nameof(from)), Text(to, nameof(to)), new byte[8]];
        BinaryPrimitives.WriteUInt64BigEndian(parts[^1], (ulong)epoch);
        return Concat(parts);
    }

    /// <summary>The bytes a key-distribution message's sender signs: who sends <paramref name="body"/> (its JSON text,
    /// UTF-8 encoded, unprefixed) to whom, in which call.</summary>
    /// <exception cref="ArgumentException">A text other than <paramref name="body"/> over 65,535 UTF-8 bytes.</exception>
    public static byte[] MessageToSign(string room, string call, string from, string to, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Concat(MessageLabel, Text(room, nameof(room)), Text(call, nameof(call)), Text(from, nameof(from)), Text(to, nameof(to)),
            Encoding.UTF8.GetBytes(body));
    }

    private static void RequireSecret(ReadOnlySpan<byte> epochSecret)
    {
        if (epochSecret.Length != EpochSecretLength) throw new ArgumentException($"An epoch secret is {EpochSecretLength} bytes.", nameof(epochSecret));
    }

    private static byte[] SenderId(string session, ReadOnlySpan<byte> signingKey)
    {
        if (signingKey.Length != DeviceIdentity.SigningPublicKeyLength)
            throw new ArgumentException($"A signing key is {DeviceIdentity.SigningPublicKeyLength} bytes.", nameof(signingKey));
        return Concat(Text(session, nameof(session)), signingKey.ToArray());
    }

    /// <summary><c>uint16(length) || UTF-8</c>; unpaired surrogates become U+FFFD, as TextEncoder makes them.</summary>
    private static byte[] Text(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        int length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue) throw new ArgumentException("A string of the key schedule is over 65,535 bytes.", name);
        byte[] bytes = new byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)length);
        Encoding.UTF8.GetBytes(value, bytes.AsSpan(2));
        return bytes;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        byte[] bytes = new byte[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(bytes, at);
            at += part.Length;
        }
        return bytes;
    }
}
