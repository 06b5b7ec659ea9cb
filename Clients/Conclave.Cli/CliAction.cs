using System.CommandLine;
using System.Net.Http;
using Conclave.Client;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>Runs a command's body and turns every expected failure into one <c>error:</c> line and an exit code.</summary>
internal static class CliAction
{
    /// <summary>Makes <paramref name="body"/> the action of <paramref name="command"/>.</summary>
    public static void Set(Command command, GlobalOptions globals, CliHost host, Func<CliContext, CancellationToken, Task<int>> body) =>
        command.SetAction((parse, cancellationToken) => RunAsync(new CliContext(parse, globals, host), body, cancellationToken));

    private static async Task<int> RunAsync(CliContext context, Func<CliContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(context, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            context.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
        catch (ConclaveApiException e)
        {
            context.Error.WriteLine($"error: {Output.Clean(e.Code)}: {Output.Clean(e.Message)}");
            if (e.Code is ApiErrorCodes.Unauthorized or ApiErrorCodes.Forbidden && context.UnauthorizedHint is { } hint)
                context.Error.WriteLine($"hint: {hint}");
            return ExitCodes.Refused;
        }
        catch (SignalingClosedException e)
        {
            context.Error.WriteLine($"error: the server closed the connection: {Output.Clean(e.Message)}");
            return ExitCodes.Unreachable;
        }
        catch (SignalingException e)
        {
            context.Error.WriteLine($"error: {Output.Clean(e.Code)}: {Output.Clean(e.Message)}");
            return ExitCodes.Refused;
        }
        catch (ConclaveConnectionException e)
        {
            context.Error.WriteLine($"error: {Output.Clean(e.Message)}");
            if (e.Error == HttpRequestError.SecureConnectionError)
            {
                context.Error.WriteLine(context.PinInUse is null
                    ? $"hint: for a self-signed certificate pass --cert-sha256 HEX (or set {GlobalOptions.CertificateVariable}) with its SHA-256"
                    : "hint: the server's certificate is not the one --cert-sha256 pins");
            }
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine("error: cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            // A bug, not an expected failure: say so, with the detail needed to report it.
            context.Error.WriteLine($"error: internal error, please report it: {e}");
            return ExitCodes.Internal;
        }
    }
}
