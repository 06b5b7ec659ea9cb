namespace Conclave.Cli;

/// <summary>The exit codes of <c>conclave</c>; scripts depend on them.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;
    /// <summary>The server refused the request; stderr has <c>error: &lt;code&gt;: &lt;message&gt;</c>.</summary>
    public const int Refused = 1;
    /// <summary>Bad arguments, missing server or token, or a local problem (unwritable or damaged profile).</summary>
    public const int Usage = 2;
    /// <summary>The server could not be reached (refused connection, DNS, TLS or pin failure, timeout).</summary>
    public const int Unreachable = 3;
    /// <summary>A bug in the CLI (an unexpected exception); the message asks for a report. sysexits EX_SOFTWARE.</summary>
    public const int Internal = 70;
    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
