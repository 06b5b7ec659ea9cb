using System.Security.Cryptography;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Roster;

public sealed class MembershipStatementTests
{
    private static ReadOnlyMemory<byte> Key(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    /// <summary>A device keys digest (any 32 bytes: the statement carries it, SignedRoster checks it).</summary>
    private static readonly ReadOnlyMemory<byte> DeviceKeys = Key(5);

    private static MembershipStatement Joining(DeviceIdentity signer, params ReadOnlyMemory<byte>[] others) => new(
        MembershipKind.Join, "room-1", "call-7", "s-1", 3, signer.SigningPublicKey.ToArray(), DeviceKeys, [signer.SigningPublicKey.ToArray(), .. others]);

    // The bytes of the definition (docs/e2ee.md), written out independently of this library (Python struct, hashlib).
    [Fact]
    public void A_statement_encodes_to_the_bytes_of_the_definition()
    {
        var statement = new MembershipStatement(MembershipKind.Join, "room-1", "call-7", "s-1", 3, Key(1), DeviceKeys, [Key(2), Key(1), Key(2)]);
        // The security code digest's input for {01…01, 02…02}: label, 0x00, count 2, then each key with its length.
        byte[] digestInput = Convert.FromHexString(
            "436f6e636c61766520736563757269747920636f6465207631" + "00" + "0002"
            + "0020" + "0101010101010101010101010101010101010101010101010101010101010101"
            + "0020" + "0202020202020202020202020202020202020202020202020202020202020202");
        const string Digest = "8e9a35ea83e2a5b32c2060b0fb029e028a341d777a655110ff86e1178e1fe090";
        Assert.Equal(Digest, Convert.ToHexStringLower(SHA256.HashData(digestInput)));
        Assert.Equal(Digest, Convert.ToHexStringLower(statement.ParticipantsDigest.Span));
        Assert.Equal(
            "436f6e636c617665206d656d6265727368697020763300" + "01" + "0006726f6f6d2d31" + "000663616c6c2d37" + "0003732d31" + "0000000000000003"
            + "0101010101010101010101010101010101010101010101010101010101010101"
            + "0505050505050505050505050505050505050505050505050505050505050505" + Digest,
            Convert.ToHexStringLower(statement.Encode()));
        Assert.Equal(149, statement.Encode().Length);
    }

    [Fact]
    public void The_participants_digest_is_the_security_code_digest_of_the_set()
    {
        ReadOnlyMemory<byte>[] keys = [.. Enumerable.Range(0, 30).Select(_ => (ReadOnlyMemory<byte>)RandomNumberGenerator.GetBytes(32))];
        MembershipStatement statement = new(MembershipKind.Join, "r", "c", "s", 1, keys[0], DeviceKeys, keys);
        Assert.Equal(SecurityCode.Digest(keys), statement.ParticipantsDigest.ToArray());
        ReadOnlyMemory<byte>[] shuffled = [.. keys, keys[4]];                                   // any order, a key listed twice
        new Random(3).Shuffle(shuffled);
        MembershipStatement same = new(MembershipKind.Join, "r", "c", "s", 1, keys[0], DeviceKeys, shuffled);
        Assert.Equal(statement.Encode(), same.Encode());
        Assert.Equal(statement.Encode(), new MembershipStatement(MembershipKind.Join, "r", "c", "s", 1, keys[0], DeviceKeys, SecurityCode.Digest(keys).AsMemory()).Encode());
        Assert.NotEqual(statement.ParticipantsDigest.ToArray(), new MembershipStatement(MembershipKind.Join, "r", "c", "s", 1, keys[0], DeviceKeys, keys[1..]).ParticipantsDigest.ToArray());

        // An empty set (a leave when nobody else is signed) has a digest too: SHA-256 of the label, 0x00 and count 0.
        MembershipStatement alone = new(MembershipKind.Leave, "r", "c", "s", 1, keys[0], DeviceKeys, []);
        Assert.Equal("dccb2d107526007f5d8e4de336cf4798764634055fe705571f4f749d41d887c6", Convert.ToHexStringLower(alone.ParticipantsDigest.Span));
    }

    [Fact]
    public void A_statement_has_the_same_size_whatever_the_roster()
    {
        ReadOnlyMemory<byte>[] roster = [.. Enumerable.Range(0, 500).Select(_ => (ReadOnlyMemory<byte>)RandomNumberGenerator.GetBytes(32))];
        int Size(int participants) => new MembershipStatement(MembershipKind.Join, "room", "Bx3kTq9v0aLmZ7yR2cWd1g", "Qn8sVb4eHk2tYw6uJp0zXa", 9,
            roster[0], DeviceKeys, roster[..participants]).Encode().Length;
        Assert.Equal(134 + 4 + 22 + 22, Size(1));                                              // the fixed 134 bytes and the three texts
        Assert.Equal(Size(1), Size(500));
    }

    [Fact]
    public void A_signed_statement_verifies_and_reads_back_what_was_signed()
    {
        using DeviceIdentity alice = DeviceIdentity.Generate();
        MembershipStatement statement = Joining(alice, Key(9), Key(4)) with { Room = "salle é 🎥", Epoch = ulong.MaxValue };
        byte[] signed = statement.Sign(alice);
        Assert.Equal(statement.Encode().Length + 64, signed.Length);
        Assert.True(MembershipStatement.TryVerify(signed, out MembershipStatement? read));
        Assert.Equal((statement.Kind, statement.Room, statement.Call, statement.Session, statement.Epoch), (read!.Kind, read.Room, read.Call, read.Session, read.Epoch));
        Assert.Equal(alice.SigningPublicKey.ToArray(), read.Signer.ToArray());
        Assert.Equal(SecurityCode.Digest([Key(4), alice.SigningPublicKey.ToArray(), Key(9)]), read.ParticipantsDigest.ToArray());
        Assert.Equal(statement.Encode(), read.Encode());
    }

    [Fact]
    public void Any_changed_byte_or_another_signer_fails_verification()
    {
        using DeviceIdentity alice = DeviceIdentity.Generate();
        using DeviceIdentity mallory = DeviceIdentity.Generate();
        byte[] signed = Joining(alice, Key(9)).Sign(alice);
        for (int i = 0; i < signed.Length; i++)
        {
            byte[] changed = (byte[])signed.Clone();
            changed[i] ^= 0x01;
            Assert.False(MembershipStatement.TryVerify(changed, out _), $"byte {i} changed");
        }
        // Another participant set is another digest, so the signature does not carry over.
        byte[] otherSet = Joining(alice, Key(8)).Encode();
        Assert.False(MembershipStatement.TryVerify([.. otherSet, .. signed[^64..]], out _));
        // Mallory cannot sign in Alice's name: the statement names its signer, and the signature must be theirs.
        Assert.Throws<ArgumentException>(() => Joining(alice).Sign(mallory));
        byte[] forged = [.. Joining(alice).Encode(), .. mallory.Sign(Joining(alice).Encode())];
        Assert.False(MembershipStatement.TryVerify(forged, out _));
    }

    [Fact]
    public void Malformed_statements_are_refused_without_throwing()
    {
        using DeviceIdentity alice = DeviceIdentity.Generate();
        byte[] bytes = Joining(alice, Key(9)).Encode();
        Assert.True(MembershipStatement.TryDecode(bytes, out _));
        for (int length = 0; length < bytes.Length; length++) Assert.False(MembershipStatement.TryDecode(bytes.AsSpan(0, length), out _), $"truncated to {length}");
        Assert.False(MembershipStatement.TryDecode([.. bytes, 0], out _));                        // trailing byte
        Assert.False(MembershipStatement.TryDecode([.. bytes, .. Key(1).Span], out _));           // a version 1 key after the digest
        byte[] kind = (byte[])bytes.Clone();
        kind[23] = 3;                                                                             // after the 23-byte label
        Assert.False(MembershipStatement.TryDecode(kind, out _));
        byte[] version1 = (byte[])bytes.Clone();
        version1[21] = (byte)'1';                                                                 // "Conclave membership v1"
        Assert.False(MembershipStatement.TryDecode(version1, out _));
        // A version 1 statement (count and keys instead of the digests) is not read as version 3.
        Assert.False(MembershipStatement.TryDecode(Convert.FromHexString(
            "436f6e636c617665206d656d6265727368697020763100010006726f6f6d2d31000663616c6c2d370003732d310000000000000003"
            + "0101010101010101010101010101010101010101010101010101010101010101" + "0001"
            + "0101010101010101010101010101010101010101010101010101010101010101"), out _));

        // Invalid UTF-8 in the room (its bytes start after the label, the kind and the length): a stray byte, an
        // overlong encoding, an encoded surrogate, a truncated sequence.
        foreach (byte[] bad in new[] { new byte[] { 0xFF, 0x61 }, [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x61, 0xE2, 0x82] })
        {
            byte[] statement = new MembershipStatement(MembershipKind.Leave, new string('a', bad.Length), "c", "d", 0, Key(1), DeviceKeys, []).Encode();
            bad.CopyTo(statement, 23 + 1 + 2);
            Assert.False(MembershipStatement.TryDecode(statement, out _), Convert.ToHexString(bad));
        }
        var random = new Random(11);
        for (int i = 0; i < 5_000; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 24) "Conclave membership v3\0"u8.CopyTo(garbage);
            MembershipStatement.TryVerify(garbage, out _);
            MembershipStatement.TryDecode(garbage, out _);
        }
    }

    [Fact]
    public void Bad_fields_are_refused_when_encoding()
    {
        Assert.Throws<ArgumentException>(() => new MembershipStatement((MembershipKind)7, "r", "c", "s", 0, Key(1), DeviceKeys, []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, new byte[31], DeviceKeys, []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), DeviceKeys, [new byte[33]]));
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), DeviceKeys, [Key(2), new byte[31]]));
        Assert.Throws<ArgumentNullException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), DeviceKeys, (IReadOnlyList<ReadOnlyMemory<byte>>)null!));
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), DeviceKeys, new byte[31].AsMemory()).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), DeviceKeys, ReadOnlyMemory<byte>.Empty).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), new byte[31], []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, new string('x', 65_536), "c", "s", 0, Key(1), DeviceKeys, []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "\ud800", "c", "s", 0, Key(1), DeviceKeys, []).Encode());
    }
}
