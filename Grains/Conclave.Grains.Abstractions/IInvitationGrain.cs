namespace Conclave.Grains;

/// <summary>
/// A single-use invitation into a room, keyed by the SHA-256 of its code (the code itself is a
/// bearer secret and never becomes a grain id, which could reach logs). Persistent.
/// </summary>
public interface IInvitationGrain : IGrainWithStringKey
{
    /// <summary>Records a new invitation; false if this key is already taken.</summary>
    Task<bool> CreateAsync(Invitation invitation);

    /// <summary>
    /// Redeems the invitation once: creates <paramref name="newUserId"/> with the invited display
    /// name, adds it to the room with the invited role, and marks the invitation used.
    /// </summary>
    Task<RedeemResult> RedeemAsync(string newUserId);
}

/// <summary>What an invitation grants.</summary>
[GenerateSerializer, Immutable, Alias("invitation")]
public sealed record Invitation(
    [property: Id(0)] string Room,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] RoomRole Role,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] string CreatedBy);

/// <summary>Status of a redemption.</summary>
public enum RedeemStatus
{
    Ok = 0,
    NotFound = 1,
    AlreadyUsed = 2,
    Expired = 3,
    RoomGone = 4,
}

/// <summary>A redemption's outcome and, when it succeeded, what was granted to whom.</summary>
[GenerateSerializer, Immutable, Alias("redeem-result")]
public sealed record RedeemResult(
    [property: Id(0)] RedeemStatus Status,
    [property: Id(1)] Invitation? Invitation,
    [property: Id(2)] string? UserId);
