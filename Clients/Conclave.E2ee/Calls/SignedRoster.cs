using System.Security.Cryptography;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Calls;

/// <summary>
/// The roster a client trusts (docs/e2ee.md, "Signed membership"): the participants the server lists whose join
/// statement is signed by the signing key they registered, over exactly the device public keys they registered, for
/// this room, this call, their session and the roster version of their join. Only they get keys; anyone else the server lists is shown as unsigned. The browser checks
/// the same (<c>Clients/web/e2ee/signed-roster.js</c>).
/// </summary>
public static class SignedRoster
{
    /// <summary>
    /// The participant's keys if its join statement holds: a <see cref="MembershipKind.Join"/> statement for
    /// <paramref name="room"/>, <paramref name="call"/>, the participant's session and its join version, signed by the
    /// signing key it registered and naming the SHA-256 of exactly the device public keys it registered (so its agreement
    /// keys are the ones its device signed for); null otherwise. Never throws on what the server sends.
    /// </summary>
    public static DevicePublicKeys? Verify(string room, string call, string sessionId, long joinVersion, ReadOnlySpan<byte> devicePublicKeys,
        ReadOnlySpan<byte> membership)
    {
        ArgumentNullException.ThrowIfNull(room);
        ArgumentNullException.ThrowIfNull(call);
        if (sessionId is null || !DevicePublicKeys.TryRead(devicePublicKeys, out DevicePublicKeys? keys) || membership.IsEmpty) return null;
        if (!MembershipStatement.TryVerify(membership, out MembershipStatement? statement) || statement!.Kind != MembershipKind.Join) return null;
        if (!string.Equals(statement.Room, room, StringComparison.Ordinal) || !string.Equals(statement.Call, call, StringComparison.Ordinal)
            || !string.Equals(statement.Session, sessionId, StringComparison.Ordinal)) return null;
        if (joinVersion < 0 || statement.Epoch != (ulong)joinVersion) return null;
        if (!statement.DeviceKeysDigest.Span.SequenceEqual(SHA256.HashData(devicePublicKeys))) return null;
        return statement.Signer.Span.SequenceEqual(keys!.SigningPublicKey.Span) ? keys : null;
    }

    /// <summary>The participant's keys if its join statement holds (<see cref="Verify(string, string, string, long, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>); null otherwise.</summary>
    public static DevicePublicKeys? Verify(RosterMember participant, string room, string call)
    {
        ArgumentNullException.ThrowIfNull(participant);
        return Verify(room, call, participant.SessionId, participant.JoinVersion, participant.DevicePublicKeys.Span, participant.Membership.Span);
    }

    /// <summary>
    /// This device's signed statement that it joins (epoch: its join version) or leaves (epoch: the roster version it
    /// leaves) <paramref name="call"/>, over the signing keys of the participants it sees (deduplicated and sorted
    /// here). What signaling's <c>membership</c> request and leave carry.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    /// <exception cref="ArgumentException">A text over 65,535 UTF-8 bytes, a key that is not 32 bytes, or more than 65,535 participants.</exception>
    public static byte[] Sign(DeviceIdentity identity, MembershipKind kind, string room, string call, string session, long epoch,
        IReadOnlyList<ReadOnlyMemory<byte>> participants)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        byte[] deviceKeys = SHA256.HashData(DevicePublicKeys.Of(identity).ToBytes());
        return new MembershipStatement(kind, room, call, session, (ulong)epoch, identity.SigningPublicKey.ToArray(), deviceKeys, participants)
            .Sign(identity);
    }
}
