namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="InvitationGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("invitation-state")]
public sealed record InvitationState
{
    /// <summary>The invitation, or null if none was created under this key.</summary>
    [Id(0)] public Invitation? Invitation { get; init; }

    /// <summary>True once redeemed (or while a redemption is in progress).</summary>
    [Id(1)] public bool Used { get; init; }

    /// <summary>The user created by the redemption.</summary>
    [Id(2)] public string? RedeemedBy { get; init; }

    /// <summary>When the invitation was redeemed.</summary>
    [Id(3)] public DateTimeOffset? RedeemedAt { get; init; }
}
