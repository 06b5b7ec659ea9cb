namespace Conclave.Cli;

/// <summary>What the process gives the CLI: its output streams and environment (injected so tests run it in-process).</summary>
internal sealed class CliHost(TextWriter stdout, TextWriter stderr, IReadOnlyDictionary<string, string?> environment)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;

    /// <summary>The variable's value, or null when unset or empty.</summary>
    public string? Env(string name) =>
        environment.TryGetValue(name, out string? value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
