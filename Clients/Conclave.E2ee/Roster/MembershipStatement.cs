using System.Buffers.Binary;
using System.Text;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Roster;

/// <summary>
/// A signed membership statement (version 3, docs/e2ee.md): a device says, under its Ed25519 identity key (RFC 8032),
/// that it joins or leaves a call of a room as one session, at a roster epoch, with the registered device public keys
/// whose SHA-256 is <see cref="DeviceKeysDigest"/>, seeing the participant set whose security code digest
/// (<see cref="SecurityCode.Digest"/> of the participants' signing keys) is <see cref="ParticipantsDigest"/>.
/// The device keys digest binds the agreement keys (X25519, X-Wing) to the signing key: without it, a server could
/// swap them for its own and be sent the call's keys. Clients build their roster from statements that verify, so the server cannot slip
/// in a participant nobody's device vouched for. The browser writes and reads the same bytes
/// (<c>Clients/web/e2ee/membership.js</c>).
/// </summary>
/// <remarks>
/// <para>Bytes, integers big-endian: <c>"Conclave membership v2" || 0x00 || kind (uint8) || room, call, session (each
/// uint16 length || UTF-8) || epoch (uint64) || signer (32) || device keys digest (32) || participants digest (32)</c>. The signed form appends
/// the 64-byte Ed25519 signature over those bytes.</para>
/// <para>The digest, not the keys, so a statement has a constant size: a roster of N statements grows with N, not
/// N² (version 1 listed the 32-byte keys).</para>
/// </remarks>
/// <param name="Kind">Join or leave.</param>
/// <param name="Room">The room id.</param>
/// <param name="Call">The call id.</param>
/// <param name="Session">The signer's session id in the call.</param>
/// <param name="Epoch">The roster epoch the signer saw.</param>
/// <param name="Signer">The signer's Ed25519 public key (32 bytes).</param>
/// <param name="DeviceKeysDigest">SHA-256 of the signer's registered device public keys, as registered (32 bytes).</param>
/// <param name="ParticipantsDigest">The security code digest of the participant set's signing keys (32 bytes).</param>
public sealed record MembershipStatement(
    MembershipKind Kind, string Room, string Call, string Session, ulong Epoch, ReadOnlyMemory<byte> Signer,
    ReadOnlyMemory<byte> DeviceKeysDigest, ReadOnlyMemory<byte> ParticipantsDigest)
{
    private const int KeyLength = DeviceIdentity.SigningPublicKeyLength;
    private const int DigestLength = SecurityCode.DigestLength;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("Conclave membership v3\0");
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A statement over the participant set whose signing keys are <paramref name="participants"/> (in any
    /// order, duplicates allowed; the set may be empty, and need not hold the signer): its
    /// <see cref="ParticipantsDigest"/> is their <see cref="SecurityCode.Digest"/>.</summary>
    /// <exception cref="ArgumentException">A key that is not 32 bytes, or more than 65,535 distinct keys.</exception>
    public MembershipStatement(MembershipKind kind, string room, string call, string session, ulong epoch, ReadOnlyMemory<byte> signer,
        ReadOnlyMemory<byte> deviceKeysDigest, IReadOnlyList<ReadOnlyMemory<byte>> participants)
        : this(kind, room, call, session, epoch, signer, deviceKeysDigest, (ReadOnlyMemory<byte>)DigestOf(participants))
    {
    }

    /// <summary>The statement's bytes.</summary>
    /// <exception cref="ArgumentException">An unknown kind, a text over 65,535 UTF-8 bytes, a signer key or a
    /// participants digest that is not 32 bytes.</exception>
    public byte[] Encode()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown membership kind {Kind}.");
        if (Signer.Length != KeyLength) throw new ArgumentException("The signer's key is 32 bytes.");
        if (DeviceKeysDigest.Length != DigestLength) throw new ArgumentException("The device keys digest is 32 bytes.");
        if (ParticipantsDigest.Length != DigestLength) throw new ArgumentException("The participants digest is 32 bytes.");
        byte[][] texts = [Text(Room, nameof(Room)), Text(Call, nameof(Call)), Text(Session, nameof(Session))];

        var bytes = new byte[Label.Length + 1 + texts.Sum(t => 2 + t.Length) + 8 + KeyLength + 2 * DigestLength];
        var at = 0;
        Label.CopyTo(bytes, at);
        at += Label.Length;
        bytes[at++] = (byte)Kind;
        foreach (byte[] text in texts)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)text.Length);
            text.CopyTo(bytes, at + 2);
            at += 2 + text.Length;
        }
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(at), Epoch);
        at += 8;
        Signer.Span.CopyTo(bytes.AsSpan(at));
        at += KeyLength;
        DeviceKeysDigest.Span.CopyTo(bytes.AsSpan(at));
        at += DigestLength;
        ParticipantsDigest.Span.CopyTo(bytes.AsSpan(at));
        return bytes;
    }

    /// <summary>The signed form: <see cref="Encode"/> followed by <paramref name="identity"/>'s signature of it.</summary>
    /// <exception cref="ArgumentException"><see cref="Signer"/> is not <paramref name="identity"/>'s signing key.</exception>
    public byte[] Sign(DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (!identity.SigningPublicKey.SequenceEqual(Signer.Span)) throw new ArgumentException("A statement is signed by its signer.", nameof(identity));
        byte[] statement = Encode();
        return [.. statement, .. identity.Sign(statement)];
    }

    /// <summary>Reads a signed statement whose signature verifies under the signer key it names (the caller then
    /// checks that key is the one the participant registered); false for anything else. Never throws.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> signed, out MembershipStatement? statement)
    {
        statement = null;
        if (signed.Length < DeviceIdentity.SignatureLength) return false;
        ReadOnlySpan<byte> body = signed[..^DeviceIdentity.SignatureLength];
        if (!TryDecode(body, out MembershipStatement? decoded)) return false;
        if (!DeviceIdentity.Verify(decoded!.Signer.Span, signed[^DeviceIdentity.SignatureLength..], body)) return false;
        statement = decoded;
        return true;
    }

    /// <summary>Reads statement bytes (unsigned); false for anything malformed: another label or version, truncation,
    /// trailing bytes, an unknown kind, invalid UTF-8. Never throws.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out MembershipStatement? statement)
    {
        statement = null;
        if (!bytes.StartsWith(Label)) return false;
        ReadOnlySpan<byte> rest = bytes[Label.Length..];
        if (rest.Length < 1 || rest[0] is not ((byte)MembershipKind.Join or (byte)MembershipKind.Leave)) return false;
        var kind = (MembershipKind)rest[0];
        rest = rest[1..];
        var texts = new string[3];
        for (int i = 0; i < texts.Length; i++)
        {
            if (rest.Length < 2) return false;
            int length = BinaryPrimitives.ReadUInt16BigEndian(rest);
            if (rest.Length < 2 + length) return false;
            try
            {
                texts[i] = StrictUtf8.GetString(rest.Slice(2, length));
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
            rest = rest[(2 + length)..];
        }
        if (rest.Length != 8 + KeyLength + 2 * DigestLength) return false;
        ulong epoch = BinaryPrimitives.ReadUInt64BigEndian(rest);
        byte[] signer = rest.Slice(8, KeyLength).ToArray();
        byte[] deviceKeys = rest.Slice(8 + KeyLength, DigestLength).ToArray();
        byte[] participants = rest.Slice(8 + KeyLength + DigestLength, DigestLength).ToArray();
        statement = new MembershipStatement(kind, texts[0], texts[1], texts[2], epoch, signer, deviceKeys, (ReadOnlyMemory<byte>)participants);
        return true;
    }

    private static byte[] Text(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"{name} is not valid Unicode (an unpaired surrogate).");
        }
        if (bytes.Length > ushort.MaxValue) throw new ArgumentException($"{name} is over 65,535 UTF-8 bytes.");
        return bytes;
    }

    private static byte[] DigestOf(IReadOnlyList<ReadOnlyMemory<byte>> participants)
    {
        ArgumentNullException.ThrowIfNull(participants);
        if (participants.Any(p => p.Length != KeyLength)) throw new ArgumentException("Participant keys are 32 bytes.", nameof(participants));
        return SecurityCode.Digest(participants);
    }
}
