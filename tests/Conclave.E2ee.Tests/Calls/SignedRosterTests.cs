using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Calls;

/// <summary>Which participants a client trusts (signed-roster.js): a join statement for this room, call, session and
/// join version, signed by the key the participant registered, over exactly the device keys it registered.</summary>
public sealed class SignedRosterTests : IDisposable
{
    private readonly DeviceIdentity _alice = DeviceIdentity.Generate();
    private readonly DeviceIdentity _mallory = DeviceIdentity.Generate();

    public void Dispose()
    {
        _alice.Dispose();
        _mallory.Dispose();
    }

    private byte[] Keys => DevicePublicKeys.Of(_alice).ToBytes();

    private byte[] Statement(MembershipKind kind = MembershipKind.Join, string room = "room", string call = "call", string session = "s-a", long epoch = 7,
        DeviceIdentity? signer = null) =>
        SignedRoster.Sign(signer ?? _alice, kind, room, call, session, epoch, [_alice.SigningPublicKey.ToArray(), _mallory.SigningPublicKey.ToArray()]);

    [Fact]
    public void A_join_statement_signed_by_the_registered_key_verifies()
    {
        DevicePublicKeys? keys = SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement());
        Assert.NotNull(keys);
        Assert.Equal(_alice.SigningPublicKey.ToArray(), keys.SigningPublicKey.ToArray());
        Assert.Equal(_alice.AgreementPublicKey.ToArray(), keys.AgreementPublicKey.ToArray());
        Assert.Equal(_alice.XWingPublicKey.ToArray(), keys.XWingPublicKey.ToArray());                     // version 2 keys: X-Wing too
        Assert.NotNull(SignedRoster.Verify(new RosterMember("s-a", 7, Keys, Statement()), "room", "call"));

        // Version 1 keys (an identity without X-Wing) hold the same way.
        using DeviceIdentity old = DeviceIdentity.FromPrivateKeys(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        byte[] version1 = DevicePublicKeys.Of(old).ToBytes();
        DevicePublicKeys? v1 = SignedRoster.Verify("room", "call", "s-a", 7, version1, Statement(signer: old));
        Assert.NotNull(v1);
        Assert.False(v1.HasXWing);
        Assert.Equal(old.AgreementPublicKey.ToArray(), v1.AgreementPublicKey.ToArray());

        Assert.True(MembershipStatement.TryVerify(Statement(), out MembershipStatement? statement));
        Assert.Equal((MembershipKind.Join, "room", "call", "s-a", 7UL), (statement!.Kind, statement.Room, statement.Call, statement.Session, statement.Epoch));
        Assert.Equal(SecurityCode.Digest([_alice.SigningPublicKey.ToArray(), _mallory.SigningPublicKey.ToArray()]), statement.ParticipantsDigest.ToArray());
    }

    [Fact]
    public void Anything_else_is_unsigned()
    {
        byte[] tampered = Statement();
        tampered[40] ^= 1;
        byte[] otherKeys = DevicePublicKeys.Of(_mallory).ToBytes();
        byte[] badVersion = Keys;
        badVersion[0] = 1;                                                                 // version 1 of version 2's length
        Assert.Multiple(
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, [])),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, tampered)),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, [1, 2, 3])),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement(kind: MembershipKind.Leave))),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement(room: "other"))),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement(call: "other"))),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement(session: "s-b"))),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 8, Keys, Statement())),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", -1, Keys, Statement())),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, otherKeys, Statement())),             // another device's keys
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement(signer: _mallory))),   // signed by another key
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, badVersion, Statement())),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, Keys[..64], Statement())),
            () => Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, [], Statement())),
            () => Assert.Null(SignedRoster.Verify("room", "call", null!, 7, Keys, Statement())));
    }

    [Fact]
    public void Agreement_keys_the_server_swapped_or_stripped_make_the_participant_unsigned()
    {
        // Alice's signing key, with the server's X25519 and X-Wing keys (it would be sent the call's keys), or with
        // her X-Wing key dropped (to force X25519): her statement names the digest of what she registered, so neither holds.
        DevicePublicKeys alice = DevicePublicKeys.Of(_alice), mallory = DevicePublicKeys.Of(_mallory);
        byte[] swapped = new DevicePublicKeys(alice.SigningPublicKey, mallory.AgreementPublicKey, mallory.XWingPublicKey).ToBytes();
        byte[] stripped = new DevicePublicKeys(alice.SigningPublicKey, alice.AgreementPublicKey).ToBytes();
        Assert.True(alice.HasXWing);
        Assert.NotNull(SignedRoster.Verify("room", "call", "s-a", 7, Keys, Statement()));
        Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, swapped, Statement()));
        Assert.Null(SignedRoster.Verify("room", "call", "s-a", 7, stripped, Statement()));
    }

    [Fact]
    public void Signing_rejects_a_negative_epoch()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Statement(epoch: -1));
        Assert.Throws<ArgumentNullException>(() => SignedRoster.Sign(null!, MembershipKind.Join, "r", "c", "s", 0, []));
    }
}
