using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Grains;

/// <summary>Registration of <see cref="SessionOptions"/> on a silo.</summary>
public static class SessionSiloBuilderExtensions
{
    /// <summary>
    /// Configures the session liveness contract (heartbeat interval and timeout) and validates it when the silo starts.
    /// Without this call the defaults of <see cref="SessionOptions"/> apply.
    /// </summary>
    public static ISiloBuilder ConfigureSessionOptions(this ISiloBuilder builder, Action<SessionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<SessionOptions>()
            .Configure(configure)
            .Validate(o => o.IsValid(), "SessionOptions: need 0 < HeartbeatInterval < Timeout <= 1 h.")
            .ValidateOnStart();
        return builder;
    }
}
