using System.Text.Json;
using Conclave.Cli;
using Conclave.Client;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// A person using <c>conclave</c>: logged in with an invitation to a room, in a profile directory of their own
/// (<c>CONCLAVE_HOME</c>), which holds their login and device keys. The CLI runs in-process, as the tool would.
/// The test that makes one deletes <see cref="Home"/>.
/// </summary>
internal sealed record CliUser(string Home, string UserId, string Token)
{
    public static async Task<CliUser> LoginAsync(TestServer server, string room, string name)
    {
        string home = Directory.CreateTempSubdirectory("conclave-cli-").FullName;
        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(name), Deadline.Token);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await ConclaveCli.RunAsync(["login", invitation.Url, "--json"], stdout, stderr,
            new Dictionary<string, string?> { ["CONCLAVE_HOME"] = home }, Deadline.Token);
        Assert.True(exit == 0, stderr.ToString());
        string token = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, "profile.json"), Deadline.Token)).RootElement.GetProperty("token").GetString()!;
        return new CliUser(home, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("userId").GetString()!, token);
    }

    /// <summary>Runs <c>conclave <paramref name="args"/></c> until it exits or the test's deadline.</summary>
    public Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAsync(Deadline.Token, null, args);

    /// <summary>Runs <c>conclave <paramref name="args"/></c> with <paramref name="environment"/> besides
    /// <c>CONCLAVE_HOME</c>; <paramref name="cancellationToken"/> is its Ctrl+C.</summary>
    public async Task<(int Exit, string Out, string Err)> RunAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment,
        params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var variables = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["CONCLAVE_HOME"] = Home };
        int exit = await ConclaveCli.RunAsync(args, stdout, stderr, variables, cancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
