using System.CommandLine;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave whoami</c>: <c>GET /api/me</c> with the token from --token / CONCLAVE_TOKEN or the saved login
/// (<see cref="CliContext.ResolveLogin"/>).
/// </summary>
internal static class WhoAmICommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var command = new Command("whoami", "Show who the token (or the saved login) belongs to");
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            (Uri server, string token, string? pin, Profile? profile) = context.ResolveLogin();
            using ConclaveApiClient api = context.CreateApiClient(server, token, pin);
            MeDto me = await api.GetMeAsync(cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(me, ConclaveJsonContext.Default.MeDto);
                return ExitCodes.Success;
            }

            context.Out.WriteLine($"user:    {Output.Clean(me.DisplayName)} ({Output.Clean(me.UserId)})");
            context.Out.WriteLine($"device:  {Output.Clean(me.DeviceId)}");
            context.Out.WriteLine($"issuer:  {Output.Clean(me.Issuer)}");
            context.Out.WriteLine($"admin:   {(me.IsAdmin ? "yes" : "no")}");
            context.Out.WriteLine($"server:  {api.Server}");
            if (profile is not null)
            {
                context.Out.WriteLine($"room:    {Output.Clean(profile.Room)}");
                context.Out.WriteLine($"expires: {Output.Time(profile.ExpiresAt)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
