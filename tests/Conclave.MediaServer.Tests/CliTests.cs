using System.Diagnostics;
using System.Text.Json;
using Conclave.Cli;
using Conclave.Client;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Tests;

/// <summary>The <c>conclave</c> command-line tool against a running server.</summary>
[Collection(ServerCollection.Name)]
public sealed class CliTests(ServerFixture fixture) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("conclave-cli-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task Admin_creates_a_room_and_an_invitation_that_login_redeems_into_a_profile()
    {
        string room = "cli-" + Guid.NewGuid().ToString("N")[..10];
        (int created, string createdOut, _) = await RunAsync("admin", "create-room", room);
        Assert.Equal(0, created);
        Assert.Contains(room, createdOut, StringComparison.Ordinal);

        (int invited, string url, string inviteErr) = await RunAsync("admin", "invite", room, "--name", "Alice Martin");
        Assert.True(invited == 0, inviteErr);
        url = url.Trim();
        Assert.StartsWith($"{fixture.Server.BaseAddress.ToString().TrimEnd('/')}/join/", url, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', url);

        (int loggedIn, string loginOut, string loginErr) = await RunAsync(withAdmin: false, "login", url);
        Assert.True(loggedIn == 0, loginErr);
        Assert.Contains("Alice Martin", loginOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_home, "profile.json")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home, "profile.json")));

        (int whoami, string whoOut, _) = await RunAsync(withAdmin: false, "whoami", "--json");
        Assert.Equal(0, whoami);
        using JsonDocument me = JsonDocument.Parse(whoOut);
        Assert.Equal("Alice Martin", me.RootElement.GetProperty("displayName").GetString());
        Assert.False(me.RootElement.GetProperty("isAdmin").GetBoolean());

        // The invitation was single-use, and the profile's token never reached the output.
        (int again, _, string againErr) = await RunAsync(withAdmin: false, "login", url);
        Assert.Equal(ExitCodes.Refused, again);
        Assert.Contains("invitation-used", againErr, StringComparison.Ordinal);
        string token = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_home, "profile.json"), TestContext.Current.CancellationToken))
            .RootElement.GetProperty("token").GetString()!;
        Assert.DoesNotContain(token, loginOut + whoOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_machine_readable_and_errors_have_codes()
    {
        string room = "cli-" + Guid.NewGuid().ToString("N")[..10];
        (int created, string json, _) = await RunAsync("admin", "create-room", room, "--json");
        Assert.Equal(0, created);
        using (JsonDocument dto = JsonDocument.Parse(json))
        {
            Assert.Equal(room, dto.RootElement.GetProperty("name").GetString());
            Assert.Equal("admin", dto.RootElement.GetProperty("owner").GetString());
        }

        (int duplicate, _, string duplicateErr) = await RunAsync("admin", "create-room", room);
        Assert.Equal(ExitCodes.Refused, duplicate);
        Assert.Contains("room-exists", duplicateErr, StringComparison.Ordinal);

        (int invited, string invitation, _) = await RunAsync("admin", "invite", room, "--name", "Host Person", "--role", "host", "--json");
        Assert.Equal(0, invited);
        using (JsonDocument dto = JsonDocument.Parse(invitation))
        {
            Assert.Equal("host", dto.RootElement.GetProperty("role").GetString());
        }

        (int locked, _, _) = await RunAsync("admin", "lock", room);
        Assert.Equal(0, locked);
        (int shown, string shownJson, _) = await RunAsync("admin", "show-room", room, "--json");
        Assert.Equal(0, shown);
        using JsonDocument shownDto = JsonDocument.Parse(shownJson);
        Assert.True(shownDto.RootElement.GetProperty("locked").GetBoolean());
    }

    [Fact]
    public async Task Admin_commands_without_a_token_or_with_a_member_token_fail_clearly()
    {
        (int missing, _, string missingErr) = await RunAsync(withAdmin: false, "admin", "create-room", "x-room");
        Assert.Equal(ExitCodes.Usage, missing);
        Assert.Contains("CONCLAVE_TOKEN", missingErr, StringComparison.Ordinal);

        string room = await fixture.CreateRoomAsync();
        string memberToken = (await fixture.InviteAsync(room, "Member")).Token;
        (int refused, _, string refusedErr) = await RunAsync(
            new Dictionary<string, string?> { ["CONCLAVE_TOKEN"] = memberToken }, "admin", "create-room", "y-room");
        Assert.Equal(ExitCodes.Refused, refused);
        Assert.Contains("forbidden", refusedErr, StringComparison.Ordinal);
        Assert.DoesNotContain(memberToken, refusedErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_conclave_executable_reads_server_and_token_from_the_environment()
    {
        string room = "cli-" + Guid.NewGuid().ToString("N")[..10];
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "conclave.dll"));
        foreach (string arg in new[] { "admin", "create-room", room, "--json" }) start.ArgumentList.Add(arg);
        start.Environment["CONCLAVE_SERVER"] = fixture.Server.BaseAddress.ToString();
        start.Environment["CONCLAVE_TOKEN"] = fixture.Server.AdminToken;
        start.Environment["CONCLAVE_HOME"] = _home;
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(Deadline.Token);
        Assert.True(process.ExitCode == 0, await stderr);
        using JsonDocument dto = JsonDocument.Parse(await stdout);
        Assert.Equal(room, dto.RootElement.GetProperty("name").GetString());

        using ConclaveApiClient admin = fixture.Admin();
        Assert.Equal(room, (await admin.GetRoomAsync(room, Deadline.Token)).Name);
    }

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAsync(withAdmin: true, args);

    private Task<(int Exit, string Out, string Err)> RunAsync(bool withAdmin, params string[] args) =>
        RunAsync(withAdmin ? new Dictionary<string, string?> { ["CONCLAVE_TOKEN"] = fixture.Server.AdminToken } : [], args);

    private async Task<(int Exit, string Out, string Err)> RunAsync(Dictionary<string, string?> environment, params string[] args)
    {
        environment["CONCLAVE_HOME"] = _home;
        if (!args.Contains("login")) environment["CONCLAVE_SERVER"] = fixture.Server.BaseAddress.ToString();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await ConclaveCli.RunAsync(args, stdout, stderr, environment, Deadline.Token);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
