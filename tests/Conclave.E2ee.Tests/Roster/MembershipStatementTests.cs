using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Roster;

public sealed class MembershipStatementTests
{
    private static ReadOnlyMemory<byte> Key(byte fill) => Enumerable.Repeat(fill, 32).ToArray();

    private static MembershipStatement Joining(DeviceIdentity signer, params ReadOnlyMemory<byte>[] others) => new(
        MembershipKind.Join, "room-1", "call-7", "s-1", 3, signer.SigningPublicKey.ToArray(), [signer.SigningPublicKey.ToArray(), .. others]);

    // The bytes of the definition (docs/e2ee.md), written out independently of this library (Python struct).
    [Fact]
    public void A_statement_encodes_to_the_bytes_of_the_definition()
    {
        var statement = new MembershipStatement(MembershipKind.Join, "room-1", "call-7", "s-1", 3, Key(1), [Key(2), Key(1), Key(2)]);
        Assert.Equal(
            "436f6e636c617665206d656d6265727368697020763100010006726f6f6d2d31000663616c6c2d370003732d310000000000000003"
            + "0101010101010101010101010101010101010101010101010101010101010101" + "0002"
            + "0101010101010101010101010101010101010101010101010101010101010101"
            + "0202020202020202020202020202020202020202020202020202020202020202",
            Convert.ToHexStringLower(statement.Encode()));
    }

    [Fact]
    public void A_signed_statement_verifies_and_reads_back_what_was_signed()
    {
        using DeviceIdentity alice = DeviceIdentity.Generate();
        MembershipStatement statement = Joining(alice, Key(9), Key(4)) with { Room = "salle é", Epoch = ulong.MaxValue };
        Assert.True(MembershipStatement.TryVerify(statement.Sign(alice), out MembershipStatement? read));
        Assert.Equal((statement.Kind, statement.Room, statement.Call, statement.Session, statement.Epoch), (read!.Kind, read.Room, read.Call, read.Session, read.Epoch));
        Assert.Equal(alice.SigningPublicKey.ToArray(), read.Signer.ToArray());
        byte[][] sorted = [.. statement.Participants.Select(p => p.ToArray()).OrderBy(Convert.ToHexString)];
        Assert.Equal(sorted, read.Participants.Select(p => p.ToArray()));
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
        byte[] kind = (byte[])bytes.Clone();
        kind[23] = 3;                                                                             // after the 23-byte label
        Assert.False(MembershipStatement.TryDecode(kind, out _));
        byte[] unsorted = [.. bytes[..^64], .. bytes[^32..], .. bytes[^64..^32]];                 // the two keys swapped
        Assert.False(MembershipStatement.TryDecode(unsorted, out _));
        byte[] badUtf8 = new MembershipStatement(MembershipKind.Leave, "ab", "c", "d", 0, Key(1), []).Encode();
        badUtf8[23 + 1 + 2] = 0xFF;                                                               // the room's first byte
        Assert.False(MembershipStatement.TryDecode(badUtf8, out _));
        var random = new Random(11);
        for (int i = 0; i < 5_000; i++)
        {
            byte[] garbage = new byte[random.Next(0, 300)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length > 24) "Conclave membership v1\0"u8.CopyTo(garbage);
            MembershipStatement.TryVerify(garbage, out _);
        }
    }

    [Fact]
    public void Bad_fields_are_refused_when_encoding()
    {
        Assert.Throws<ArgumentException>(() => new MembershipStatement((MembershipKind)7, "r", "c", "s", 0, Key(1), []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, new byte[31], []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "r", "c", "s", 0, Key(1), [new byte[33]]).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, new string('x', 65_536), "c", "s", 0, Key(1), []).Encode());
        Assert.Throws<ArgumentException>(() => new MembershipStatement(MembershipKind.Join, "\ud800", "c", "s", 0, Key(1), []).Encode());
    }
}
