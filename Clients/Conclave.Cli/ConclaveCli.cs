using System.CommandLine;
using System.CommandLine.Invocation;

namespace Conclave.Cli;

/// <summary>The <c>conclave</c> command-line tool, runnable in-process.</summary>
public static class ConclaveCli
{
    private const string Description = """
        Conclave command-line client: administer rooms and invitations, log in with an invitation, send and
        receive end-to-end encrypted files.

        Typical use:
          export CONCLAVE_SERVER=https://conclave.example.org CONCLAVE_TOKEN=<admin token>
          conclave admin create-room standup
          url=$(conclave admin invite standup --name Alice)
          conclave login "$url"        (on Alice's machine; saves the login)
          conclave whoami
          conclave send report.pdf --to u-Bruno…   (encrypted here; run again to resume)
          conclave files
          conclave receive FILE_ID -o report.pdf
          conclave call standup --play briefing.mp4            (sound and picture into the call, then leaves)
          conclave call standup --record recordings/           (each participant to WAV and WebM, until Ctrl+C)

        Environment:
          CONCLAVE_SERVER       server URL, instead of --server
          CONCLAVE_TOKEN        bearer token, instead of --token (admin commands need an admin token)
          CONCLAVE_CERT_SHA256  certificate pin for self-signed HTTPS, instead of --cert-sha256
          CONCLAVE_HOME         where the login is saved (default $XDG_CONFIG_HOME/conclave, else ~/.config/conclave)

        Exit codes: 0 success, 1 the server refused (error: <code>: <message>), 2 usage error,
        3 the server cannot be reached, 70 internal error.
        """;

    /// <summary>
    /// Runs <c>conclave</c> with <paramref name="args"/>, writing to <paramref name="stdout"/> and
    /// <paramref name="stderr"/> and reading variables only from <paramref name="environment"/>; returns the exit
    /// code (see <see cref="ExitCodes"/>). Does not touch the process console or its signal handlers.
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, environment, handleTermination: false, cancellationToken);

    /// <summary>As the public overload; <paramref name="handleTermination"/> makes Ctrl+C / SIGTERM cancel the command (the real process only).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?> environment, bool handleTermination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(environment);

        var host = new CliHost(stdout, stderr, environment);
        RootCommand root = CreateRootCommand(host);
        ParseResult parse = root.Parse(args);

        if (parse.Action is ParseErrorAction)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
                await stderr.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync($"Run '{CommandPath(parse.CommandResult.Command)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            ProcessTerminationTimeout = handleTermination ? TimeSpan.FromSeconds(8) : null,   // time for `call` to leave
        };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand CreateRootCommand(CliHost host)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand(Description);
        globals.AddTo(root);
        root.Add(AdminCommands.Create(globals, host));
        root.Add(LoginCommand.Create(globals, host));
        root.Add(WhoAmICommand.Create(globals, host));
        root.Add(SendCommand.Create(globals, host));
        root.Add(ReceiveCommand.Create(globals, host));
        root.Add(FilesCommand.Create(globals, host));
        root.Add(CallCommand.Create(globals, host));
        return root;
    }

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command current; symbol = current.Parents.FirstOrDefault())
            names.Add(current is RootCommand ? "conclave" : current.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}
