using System.Buffers.Binary;
using System.Text;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Roster;

/// <summary>
/// A signed membership statement (version 1, docs/e2ee.md): a device says, under its Ed25519 identity key (RFC 8032),
/// that it joins or leaves a call of a room as one session, at a roster epoch, with a participant set named by the
/// participants' signing keys. Clients build their roster from statements that verify, so the server cannot slip in
/// a participant nobody's device vouched for. The browser writes and reads the same bytes
/// (<c>Clients/web/e2ee/membership.js</c>).
/// </summary>
/// <remarks>
/// <para>Bytes, integers big-endian: <c>"Conclave membership v1" || 0x00 || kind (uint8) || room, call, session (each
/// uint16 length || UTF-8) || epoch (uint64) || signer (32) || count (uint16) || participant keys (32 each, sorted
/// ascending, no duplicates)</c>. The signed form appends the 64-byte Ed25519 signature over those bytes.</para>
/// </remarks>
public sealed record MembershipStatement(
    MembershipKind Kind, string Room, string Call, string Session, ulong Epoch, ReadOnlyMemory<byte> Signer, IReadOnlyList<ReadOnlyMemory<byte>> Participants)
{
    private const int KeyLength = DeviceIdentity.SigningPublicKeyLength;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("Conclave membership v1\0");
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The statement's bytes, the participant keys deduplicated and sorted.</summary>
    /// <exception cref="ArgumentException">An unknown kind, a text over 65,535 UTF-8 bytes, a key that is not 32
    /// bytes, or more than 65,535 participants.</exception>
    public byte[] Encode()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown membership kind {Kind}.");
        if (Signer.Length != KeyLength) throw new ArgumentException("The signer's key is 32 bytes.");
        List<byte[]> keys = SortedUnique(Participants);
        if (keys.Count > ushort.MaxValue) throw new ArgumentException("At most 65,535 participants.");
        byte[][] texts = [Text(Room, nameof(Room)), Text(Call, nameof(Call)), Text(Session, nameof(Session))];

        var bytes = new byte[Label.Length + 1 + texts.Sum(t => 2 + t.Length) + 8 + KeyLength + 2 + keys.Count * KeyLength];
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
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)keys.Count);
        at += 2;
        foreach (byte[] key in keys)
        {
            key.CopyTo(bytes, at);
            at += KeyLength;
        }
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

    /// <summary>Reads statement bytes (unsigned); false for anything malformed: another label, truncation, trailing
    /// bytes, an unknown kind, invalid UTF-8, participant keys out of order or repeated. Never throws.</summary>
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
        if (rest.Length < 8 + KeyLength + 2) return false;
        ulong epoch = BinaryPrimitives.ReadUInt64BigEndian(rest);
        byte[] signer = rest.Slice(8, KeyLength).ToArray();
        int count = BinaryPrimitives.ReadUInt16BigEndian(rest[(8 + KeyLength)..]);
        rest = rest[(8 + KeyLength + 2)..];
        if (rest.Length != count * KeyLength) return false;
        var participants = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> key = rest.Slice(i * KeyLength, KeyLength);
            if (i > 0 && key.SequenceCompareTo(participants[i - 1].Span) <= 0) return false;
            participants[i] = key.ToArray();
        }
        statement = new MembershipStatement(kind, texts[0], texts[1], texts[2], epoch, signer, participants);
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

    private static List<byte[]> SortedUnique(IReadOnlyList<ReadOnlyMemory<byte>> participants)
    {
        ArgumentNullException.ThrowIfNull(participants);
        if (participants.Any(p => p.Length != KeyLength)) throw new ArgumentException("Participant keys are 32 bytes.");
        List<byte[]> keys = [.. participants.Select(p => p.ToArray())];
        keys.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        return [.. keys.Where((k, i) => i == 0 || !k.AsSpan().SequenceEqual(keys[i - 1]))];
    }
}
