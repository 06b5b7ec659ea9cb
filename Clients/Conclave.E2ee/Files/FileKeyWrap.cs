using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Files;

/* docs/file-format.md, "The file key, per recipient"; strings are u16 length || UTF-8
   info   = "Conclave file key v1" || 0x00 || file id || recipient user id || SHA-256(recipient device public keys)
   signed = "Conclave file key signature v1" || 0x00 || file id || recipient user id || SHA-256(recipient device public keys)
            || SHA-256(header || manifest record) || kem (1: X25519, 2: X-Wing) || u16 length || enc || u16 length || ct
   wrap   = base64url, unpadded, of  kem || u16 length || enc || u16 length || ct || Ed25519 signature of signed (64)      */
/// <summary>
/// Wraps a file key to one recipient device (docs/file-format.md, "The file key, per recipient"): HPKE base mode
/// (RFC 9180) with HPKE-X-Wing when the device registered an X-Wing key, DHKEM(X25519) otherwise (HKDF-SHA256,
/// AES-128-GCM), signed with the sender's device key, as one string of at most <see cref="MaxLength"/> characters:
/// 199 for X25519, 1,650 for X-Wing.
/// </summary>
/// <remarks>
/// The signature covers the file id, the recipient (user id and device keys) and SHA-256 of the file's head, so the
/// server can neither hand a recipient a key of its own choosing with a file of its own making nor move a wrap to
/// another file or recipient. <see cref="TryUnwrap(string, DeviceIdentity, string, FileHead, string, ReadOnlySpan{byte}, out byte[])"/>
/// checks it before opening anything, and never throws on what the wrap holds.
/// </remarks>
public static class FileKeyWrap
{
    /// <summary>The longest wrap string a reader takes.</summary>
    public const int MaxLength = 4096;

    /// <summary>The kem byte of a DHKEM(X25519, HKDF-SHA256) wrap.</summary>
    public const byte X25519Kem = 1;

    /// <summary>The kem byte of an HPKE-X-Wing wrap.</summary>
    public const byte XWingKem = 2;

    private const int SealedKeyLength = FileEncryptor.FileKeyLength + 16;                 // ct: the key and the AEAD tag
    private const int DigestLength = 32;

    private static ReadOnlySpan<byte> InfoLabel => "Conclave file key v1\0"u8;
    private static ReadOnlySpan<byte> SignatureLabel => "Conclave file key signature v1\0"u8;

    /// <summary>Wraps <paramref name="fileKey"/> to one device of <paramref name="recipientUserId"/> and signs the wrap.</summary>
    /// <param name="sender">This device: signs the wrap.</param>
    /// <param name="fileKey">The 32-byte file key.</param>
    /// <param name="fileId">The id the server knows the upload by.</param>
    /// <param name="head">The file's head (<see cref="FileEncryptor.EncryptAsync(Stream, Stream, ReadOnlyMemory{byte}, string, FileManifest, int, IProgress{long}?, CancellationToken)"/>
    /// returns it; <see cref="FileEncryptionStream.Head"/>).</param>
    /// <param name="recipientUserId">The recipient's user id.</param>
    /// <param name="recipientKeys">The recipient device's public keys, as registered.</param>
    /// <returns>The wrap string.</returns>
    /// <exception cref="ArgumentException">The key is not 32 bytes, the file id is not one, the user id is over
    /// 65,535 UTF-8 bytes, a key in <paramref name="recipientKeys"/> has the wrong length, or HPKE refuses the
    /// recipient's public key (an X25519 key of low order, an ML-KEM key with a coefficient ≥ q): that device cannot be
    /// sent the file.</exception>
    public static string Wrap(DeviceIdentity sender, ReadOnlySpan<byte> fileKey, string fileId, FileHead head, string recipientUserId, DevicePublicKeys recipientKeys)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(recipientKeys);
        if (fileKey.Length != FileEncryptor.FileKeyLength) throw new ArgumentException($"A file key is {FileEncryptor.FileKeyLength} bytes.", nameof(fileKey));
        byte[] keysDigest = KeysDigest(recipientKeys, nameof(recipientKeys));
        byte[] info = Info(fileId, recipientUserId, keysDigest);
        bool xWing = recipientKeys.HasXWing;
        HpkeStatus status = xWing
            ? HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, recipientKeys.XWingPublicKey.Span, info, [], fileKey, out byte[] enc, out byte[] ct)
            : HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, recipientKeys.AgreementPublicKey.Span, info, [], fileKey, out enc, out ct);
        if (status != HpkeStatus.Ok)
            throw new ArgumentException($"HPKE refuses the recipient's {(xWing ? "X-Wing" : "X25519")} public key ({status}).", nameof(recipientKeys));

        byte[] wrap = new byte[1 + 2 + enc.Length + 2 + ct.Length + DeviceIdentity.SignatureLength];
        int tailLength = WriteTail(wrap, xWing ? XWingKem : X25519Kem, enc, ct);
        byte[] signature = sender.Sign(Signed(fileId, recipientUserId, keysDigest, head.Sha256, wrap.AsSpan(0, tailLength)));
        signature.CopyTo(wrap, tailLength);
        return Base64Url.EncodeToString(wrap);
    }

    /// <summary>
    /// Opens a wrap sent to this device, registered with the public keys <see cref="DevicePublicKeys.Of"/>
    /// <paramref name="recipient"/> gives (all its keys). See the other overload.
    /// </summary>
    public static bool TryUnwrap(string? wrap, DeviceIdentity recipient, string fileId, FileHead head, string recipientUserId,
        ReadOnlySpan<byte> senderSigningPublicKey, out byte[] fileKey)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return TryUnwrap(wrap, recipient, DevicePublicKeys.Of(recipient), fileId, head, recipientUserId, senderSigningPublicKey, out fileKey);
    }

    /// <summary>
    /// Opens a wrap sent to this device: checks its form, that its kem is the one <paramref name="registeredKeys"/>
    /// call for, and its signature under <paramref name="senderSigningPublicKey"/> over this file, id and recipient,
    /// then opens the key with HPKE. False for any failure; never throws on what <paramref name="wrap"/> or the sender's
    /// key holds.
    /// </summary>
    /// <param name="wrap">The wrap string, as the server relays it.</param>
    /// <param name="recipient">This device.</param>
    /// <param name="registeredKeys">This device's public keys as registered (what the sender wrapped to).</param>
    /// <param name="fileId">The id the server knows the upload by.</param>
    /// <param name="head">The file's head, read from the stored file (<see cref="FileHead.ReadAsync"/>).</param>
    /// <param name="recipientUserId">This device's user id.</param>
    /// <param name="senderSigningPublicKey">The sender device's registered Ed25519 key.</param>
    /// <param name="fileKey">The 32-byte file key (the caller wipes it after use); empty on failure.</param>
    /// <exception cref="ArgumentException">The file id is not one, the user id is over 65,535 UTF-8 bytes, or a key
    /// in <paramref name="registeredKeys"/> has the wrong length.</exception>
    public static bool TryUnwrap(string? wrap, DeviceIdentity recipient, DevicePublicKeys registeredKeys, string fileId, FileHead head,
        string recipientUserId, ReadOnlySpan<byte> senderSigningPublicKey, out byte[] fileKey)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(registeredKeys);
        ArgumentNullException.ThrowIfNull(head);
        fileKey = [];
        byte[] keysDigest = KeysDigest(registeredKeys, nameof(registeredKeys));
        byte[] info = Info(fileId, recipientUserId, keysDigest);
        if (wrap is null || wrap.Length > MaxLength || !TryDecode(wrap, out byte[] bytes)) return false;

        // kem || u16 length || enc || u16 length || ct || signature, every length the one of the kem this device calls for
        byte kem = registeredKeys.HasXWing ? XWingKem : X25519Kem;
        (HpkeSuite suite, HpkeKeyPair? keyPair) = kem == XWingKem
            ? (HpkeSuite.XWingSha256Aes128Gcm, recipient.XWingKeyPair)
            : (HpkeSuite.X25519Sha256Aes128Gcm, recipient.AgreementKeyPair);
        int encLength = suite.EncapsulatedKeyLength;
        int tailLength = 1 + 2 + encLength + 2 + SealedKeyLength;
        if (keyPair is null || bytes.Length != tailLength + DeviceIdentity.SignatureLength || bytes[0] != kem
            || BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(1)) != encLength
            || BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(3 + encLength)) != SealedKeyLength)
            return false;
        ReadOnlySpan<byte> tail = bytes.AsSpan(0, tailLength);
        if (!DeviceIdentity.Verify(senderSigningPublicKey, bytes.AsSpan(tailLength), Signed(fileId, recipientUserId, keysDigest, head.Sha256, tail)))
            return false;

        ReadOnlySpan<byte> enc = tail.Slice(3, encLength);
        ReadOnlySpan<byte> ct = tail.Slice(3 + encLength + 2, SealedKeyLength);
        if (HpkeBaseMode.Open(suite, keyPair, enc, info, [], ct, out byte[] opened) != HpkeStatus.Ok) return false;
        if (opened.Length != FileEncryptor.FileKeyLength)
        {
            CryptographicOperations.ZeroMemory(opened);
            return false;
        }
        fileKey = opened;
        return true;
    }

    /// <summary>The HPKE info: <c>"Conclave file key v1" || 0x00 || file id || recipient user id || keys digest</c>.</summary>
    internal static byte[] Info(string fileId, string recipientUserId, ReadOnlySpan<byte> keysDigest) =>
        Join(InfoLabel, FileIdText(fileId), Text(recipientUserId, nameof(recipientUserId)), keysDigest, [], []);

    /// <summary>The bytes the sender signs; <paramref name="tail"/> is <c>kem || u16 length || enc || u16 length || ct</c>.</summary>
    internal static byte[] Signed(string fileId, string recipientUserId, ReadOnlySpan<byte> keysDigest, ReadOnlySpan<byte> headDigest, ReadOnlySpan<byte> tail) =>
        Join(SignatureLabel, FileIdText(fileId), Text(recipientUserId, nameof(recipientUserId)), keysDigest, headDigest, tail);

    private static int WriteTail(Span<byte> destination, byte kem, ReadOnlySpan<byte> enc, ReadOnlySpan<byte> ct)
    {
        destination[0] = kem;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)enc.Length);
        enc.CopyTo(destination[3..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(3 + enc.Length)..], (ushort)ct.Length);
        ct.CopyTo(destination[(5 + enc.Length)..]);
        return 5 + enc.Length + ct.Length;
    }

    /// <summary>The bytes of a canonical unpadded base64url string; false for anything else (padding, whitespace,
    /// other characters, non-zero spare bits).</summary>
    private static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (Base64Url.DecodeFromChars(text, bytes, out int consumed, out int written) != OperationStatus.Done || consumed != text.Length)
            return false;
        bytes = bytes[..written];
        return Base64Url.EncodeToString(bytes) == text;
    }

    private static byte[] KeysDigest(DevicePublicKeys keys, string name)
    {
        try
        {
            return SHA256.HashData(keys.ToBytes());
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(e.Message, name, e);
        }
    }

    private static byte[] FileIdText(string fileId)
    {
        if (!FileId.IsValid(fileId)) throw new ArgumentException("A file id is 1 to 64 characters of A–Z a–z 0–9 - _.", nameof(fileId));
        return Text(fileId, nameof(fileId));
    }

    /// <summary><c>u16 length || UTF-8</c>; an unpaired surrogate becomes U+FFFD, as the browser's TextEncoder makes it.</summary>
    private static byte[] Text(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        int length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue) throw new ArgumentException("A string of a file key wrap is over 65,535 UTF-8 bytes.", name);
        byte[] bytes = new byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)length);
        Encoding.UTF8.GetBytes(value, bytes.AsSpan(2));
        return bytes;
    }

    private static byte[] Join(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d, ReadOnlySpan<byte> e, ReadOnlySpan<byte> f)
    {
        byte[] bytes = new byte[a.Length + b.Length + c.Length + d.Length + e.Length + f.Length];
        Span<byte> at = bytes;
        a.CopyTo(at);
        b.CopyTo(at = at[a.Length..]);
        c.CopyTo(at = at[b.Length..]);
        d.CopyTo(at = at[c.Length..]);
        e.CopyTo(at = at[d.Length..]);
        f.CopyTo(at[e.Length..]);
        return bytes;
    }
}
