using System.CommandLine;
using Conclave.Client;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave whoami</c>: <c>GET /api/me</c> with the token from --token / CONCLAVE_TOKEN or the saved login. The
/// saved token is only ever sent to the saved login's own server.
/// </summary>
internal static class WhoAmICommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var command = new Command("whoami", "Show who the token (or the saved login) belongs to");
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string? explicitToken = context.ExplicitToken();
            Profile? profile = null;
            bool loaded = false;
            Profile? LoadProfile()
            {
                if (!loaded) { profile = context.Profiles.Load(); loaded = true; }
                return profile;
            }

            Uri server = context.RequireServer(LoadProfile);
            string token;
            string? pin = context.ExplicitPin();
            if (explicitToken is not null)
            {
                token = explicitToken;
                context.UnauthorizedHint = $"the server refused the token from --token or {GlobalOptions.TokenVariable}";
            }
            else
            {
                Profile saved = LoadProfile()
                    ?? throw new CliException($"not logged in: run 'conclave login INVITATION_URL', or pass --token / set {GlobalOptions.TokenVariable}");
                // Never send the saved token anywhere but the server it was issued for.
                if (!SameServer(server, saved.Server))
                    throw new CliException($"the saved login is for {Output.Clean(saved.Server)}, not {server}; pass --token or set {GlobalOptions.TokenVariable} for that server");
                token = saved.Token;
                pin ??= saved.CertSha256;
                context.UnauthorizedHint = saved.ExpiresAt <= DateTimeOffset.UtcNow
                    ? $"the saved login expired at {Output.Time(saved.ExpiresAt)}; run 'conclave login' with a new invitation"
                    : "the server no longer accepts the saved login; run 'conclave login' with a new invitation";
            }

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
            if (explicitToken is null && profile is not null)
            {
                context.Out.WriteLine($"room:    {Output.Clean(profile.Room)}");
                context.Out.WriteLine($"expires: {Output.Time(profile.ExpiresAt)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    // Same scheme, host, port and path prefix (trailing slashes aside).
    private static bool SameServer(Uri server, string saved) =>
        Uri.TryCreate(saved, UriKind.Absolute, out Uri? savedUri)
        && Uri.Compare(server, savedUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
        && string.Equals(server.AbsolutePath.TrimEnd('/'), savedUri.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);
}
