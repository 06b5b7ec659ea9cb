using System.CommandLine;
using Conclave.Client;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave login INVITATION_URL</c>: redeems a single-use invitation and saves the device token in the
/// profile, with the invitation's server. The token is never printed.
/// </summary>
internal static class LoginCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var url = new Argument<string>("INVITATION_URL") { Description = "The invitation URL, <server>/join/<code> (single-use)" };
        var command = new Command("login", "Redeem an invitation and save the login (the server is the invitation's)") { url };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string text = context.Get(url) ?? string.Empty;
            if (!InvitationLink.TryParse(text, out InvitationLink? link))
                throw new CliException($"'{Output.Clean(text)}' is not an invitation URL; expected <server>/join/<code>");
            string? pin = context.ExplicitPin();

            // The invitation is single-use: make sure the login can be saved before spending it.
            ProfileStore store = context.Profiles;
            store.EnsureWritable();

            RedeemResponse redeemed;
            using (ConclaveApiClient api = context.CreateApiClient(link.Server, token: null, pin))
            {
                redeemed = await api.RedeemInvitationAsync(new Uri(text.Trim()), cancellationToken).ConfigureAwait(false);
            }

            string server = link.Server.ToString();
            var profile = new Profile(server, redeemed.Token, redeemed.UserId, redeemed.DeviceId, redeemed.DisplayName, redeemed.Room, redeemed.ExpiresAt, pin);
            try
            {
                store.Save(profile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"the invitation was redeemed but the login could not be saved to {store.FilePath} ({e.Message}); ask for a new invitation");
            }

            if (context.Json)
            {
                context.WriteJson(new LoginResult(redeemed.UserId, redeemed.DeviceId, redeemed.DisplayName, redeemed.Room, server, redeemed.ExpiresAt),
                    CliJsonContext.Default.LoginResult);
            }
            else
            {
                context.Out.WriteLine($"Logged in as {Output.Clean(redeemed.DisplayName)} ({Output.Clean(redeemed.UserId)}) in room {Output.Clean(redeemed.Room)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
