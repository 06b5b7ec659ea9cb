using Conclave.Grains;
using Conclave.MediaServer.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Conclave.MediaServer.Health;

/// <summary>
/// <c>/readyz</c>: the silo is active in its cluster and grain storage answers (the token issuer's state is
/// read through the storage provider), and startup finished loading the signing key.
/// </summary>
public sealed class ReadinessCheck(IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo, SigningKeyStore keys)
    : IHealthCheck
{
    /// <summary>The tag that puts a check on <c>/readyz</c>.</summary>
    public const string Tag = "ready";

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (keys.Current is null) return HealthCheckResult.Unhealthy("starting");
        if (!membership.CurrentSnapshot.Members.TryGetValue(silo.SiloAddress, out ClusterMember? self) || self.Status != SiloStatus.Active)
            return HealthCheckResult.Unhealthy("the silo is not active in the cluster");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await grains.GetGrain<ITokenIssuerGrain>(ITokenIssuerGrain.Key).GetOrCreateSigningKeyAsync().WaitAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy("grain storage does not answer");
        }
    }
}
