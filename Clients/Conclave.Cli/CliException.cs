namespace Conclave.Cli;

/// <summary>An expected failure the CLI reports as <c>error: message</c> with an exit code, without a stack trace.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    /// <summary>The process exit code.</summary>
    public int ExitCode { get; } = exitCode;
}
