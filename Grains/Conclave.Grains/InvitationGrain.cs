using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Grains;

/// <summary>
/// A single-use invitation, persisted in <see cref="StorageNames.State"/> and keyed by the lowercase hex SHA-256 of
/// its code (<c>Convert.ToHexStringLower(SHA256.HashData(code))</c>). The grain is not reentrant, so concurrent redemptions run one after another and only
/// the first can succeed. The invitation is marked used in storage <em>before</em> the user and membership are
/// created: a crash in between burns the invitation rather than letting it be used twice.
/// </summary>
public sealed class InvitationGrain(
    [PersistentState("invitation", StorageNames.State)] IPersistentState<InvitationState> state) : Grain, IInvitationGrain
{
    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">
    /// The grain key is not 64 lowercase hex characters (the host must key invitations by the code's SHA-256, never
    /// by the code), or the invitation has a bad room, display name or creator, or grants <see cref="RoomRole.Owner"/>.
    /// </exception>
    public async Task<bool> CreateAsync(Invitation invitation)
    {
        ArgumentNullException.ThrowIfNull(invitation);
        if (!IsSha256Hex(this.GetPrimaryKeyString())) throw new ArgumentException("Invitation keys are the lowercase hex SHA-256 of the code.");
        if (!InputRules.IsValidId(invitation.Room) || !InputRules.IsValidDisplayName(invitation.DisplayName)
            || !InputRules.IsValidId(invitation.CreatedBy) || !Enum.IsDefined(invitation.Role) || invitation.Role == RoomRole.Owner)
        {
            throw new ArgumentException("Invalid invitation.", nameof(invitation));
        }
        if (state.State.Invitation is not null) return false;

        await state.CommitAsync(new InvitationState { Invitation = invitation });
        return true;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="newUserId"/> is not a valid user id.</exception>
    public async Task<RedeemResult> RedeemAsync(string newUserId)
    {
        if (!InputRules.IsValidId(newUserId)) throw new ArgumentException("Invalid user id.", nameof(newUserId));
        var current = state.State;
        if (current.Invitation is not { } invitation) return new RedeemResult(RedeemStatus.NotFound, null, null);
        if (current.Used) return new RedeemResult(RedeemStatus.AlreadyUsed, null, null);
        var now = Clock.GetUtcNow();
        if (now >= invitation.ExpiresAt) return new RedeemResult(RedeemStatus.Expired, null, null);

        var room = GrainFactory.GetGrain<IRoomGrain>(invitation.Room);
        if ((await room.GetAsync()).Status == RoomStatus.NotFound) return new RedeemResult(RedeemStatus.RoomGone, null, null);

        await state.CommitAsync(current with { Used = true, RedeemedBy = newUserId, RedeemedAt = now });
        RoomResult added;
        try
        {
            await GrainFactory.GetGrain<IUserGrain>(newUserId).SetDisplayNameAsync(invitation.DisplayName);
            added = await room.AddMemberAsync(newUserId, invitation.Role);
        }
        catch
        {
            await ReleaseAsync(current);
            throw;
        }

        switch (added.Status)
        {
            case RoomStatus.Ok:
                return new RedeemResult(RedeemStatus.Ok, invitation, newUserId);
            case RoomStatus.NotFound:
                await ReleaseAsync(current);
                return new RedeemResult(RedeemStatus.RoomGone, null, null);
            default:
                // The room refused the member (for example it is full): nothing was granted, so the invitation stays usable.
                await ReleaseAsync(current);
                throw new InvalidOperationException($"The room refused the new member: {added.Status}.");
        }
    }

    /// <summary>Undoes the used mark after a redemption that granted nothing.</summary>
    private Task ReleaseAsync(InvitationState unused) => state.CommitAsync(unused);

    private static bool IsSha256Hex(string key)
    {
        if (key.Length != 64) return false;
        foreach (char c in key)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        }
        return true;
    }
}
