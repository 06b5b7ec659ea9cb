namespace Conclave.E2ee.Roster;

/// <summary>What a <see cref="MembershipStatement"/> says its signer does.</summary>
public enum MembershipKind : byte
{
    /// <summary>The signer joins the call with the listed participant set.</summary>
    Join = 1,

    /// <summary>The signer leaves the call and the listed participant set.</summary>
    Leave = 2,
}
