using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Conclave.Client;
using Conclave.Client.Files;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Bench.Files;

/// <summary>A user made for the run with the admin API: a room, an invitation to it, redeemed for a device token.</summary>
internal sealed record BenchUser(string Token, string UserId)
{
    public static async Task<BenchUser> CreateAsync(Uri server, string adminToken, CancellationToken cancellationToken)
    {
        string room = string.Create(CultureInfo.InvariantCulture,
            $"bench-files-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        using ConclaveApiClient admin = ConclaveApiClient.Create(server, adminToken);
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(server);
        await admin.CreateRoomAsync(new CreateRoomRequest(room), cancellationToken).ConfigureAwait(false);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest("sender"), cancellationToken).ConfigureAwait(false);
        RedeemResponse redeemed = await anonymous.RedeemInvitationAsync(invitation.Code, cancellationToken).ConfigureAwait(false);
        return new BenchUser(redeemed.Token, redeemed.UserId);
    }
}

/// <summary>
/// When a SecureFiles transfer moved from phase to phase, from its progress reports (SecureFiles reports synchronously,
/// from the transfer's own flow): the first and last report of each phase, as Stopwatch timestamps.
/// </summary>
internal sealed class PhaseClock : IProgress<TransferProgress>
{
    private readonly Dictionary<TransferPhase, (long First, long Last)> _phases = [];

    public void Report(TransferProgress value)
    {
        long now = Stopwatch.GetTimestamp();
        _phases[value.Phase] = _phases.TryGetValue(value.Phase, out (long First, long Last) seen) ? (seen.First, now) : (now, now);
    }

    public long First(TransferPhase phase) => _phases.TryGetValue(phase, out (long First, long Last) seen) ? seen.First
        : throw new BenchException($"the transfer reported no {phase} phase");

    public long Last(TransferPhase phase) => _phases.TryGetValue(phase, out (long First, long Last) seen) ? seen.Last
        : throw new BenchException($"the transfer reported no {phase} phase");
}
