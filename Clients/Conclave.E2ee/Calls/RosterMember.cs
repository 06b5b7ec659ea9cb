namespace Conclave.E2ee.Calls;

/// <summary>
/// A participant as the server lists it in a call's roster: what <see cref="SignedRoster"/> checks and
/// <see cref="CallKeys"/> is fed with. All of it is the server's word until the statement verifies.
/// </summary>
/// <param name="SessionId">The participant's session id.</param>
/// <param name="JoinVersion">The roster version of the participant's join: its join statement must be signed for exactly this epoch.</param>
/// <param name="DevicePublicKeys">The device public keys the participant registered (<see cref="Identity.DevicePublicKeys"/> format; empty if none).</param>
/// <param name="Membership">The participant's signed join statement (<see cref="Roster.MembershipStatement"/> signed form; empty until it sent one).</param>
public sealed record RosterMember(string SessionId, long JoinVersion, ReadOnlyMemory<byte> DevicePublicKeys, ReadOnlyMemory<byte> Membership);
