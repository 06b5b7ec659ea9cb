using System.CommandLine;
using Conclave.E2ee.Files;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave receive FILE_ID [-o PATH]</c>: downloads a file shared with this device, checks its sender's signature
/// on the key, decrypts it here, and writes it to PATH (or to the name its sender gave it, in the current directory)
/// only once the whole of it checked out.
/// </summary>
internal static class ReceiveCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var fileId = new Argument<string>("FILE_ID") { Description = "The file's id (conclave files lists them)" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write it (default: its name, here)", HelpName = "PATH" };
        var command = new Command("receive", "Download and decrypt a file shared with you") { fileId, output };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string id = context.Get(fileId)!;
            if (!FileId.IsValid(id)) throw new CliException($"'{Output.Clean(id)}' is not a file id");
            using FileSession session = await FileSession.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            session.Files.Retrying += e => context.Error.WriteLine($"retrying: {Output.Clean(e.Message)}");
            (FileManifest manifest, string path) received;
            try
            {
                received = await TransferProgressView.RunAsync(context, progress =>
                    session.Files.ReceiveAsync(id, context.Get(output), Directory.GetCurrentDirectory(), progress, cancellationToken)).ConfigureAwait(false);
            }
            catch (FileFormatException e)
            {
                throw new CliException($"the file does not decrypt ({e.Error} at record {e.Record}): it was changed after its sender sealed it; nothing was written", ExitCodes.Refused);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message, ExitCodes.Refused);
            }
            if (context.Json)
            {
                context.WriteJson(new ReceivedFile(id, received.manifest.Name, received.manifest.MediaType, received.manifest.Size, received.path),
                    CliJsonContext.Default.ReceivedFile);
                return ExitCodes.Success;
            }
            context.Error.WriteLine($"Received {Output.Clean(received.manifest.Name)} ({received.manifest.Size} bytes, {Output.Clean(received.manifest.MediaType)}).");
            context.Out.WriteLine(received.path);
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>What <c>conclave receive --json</c> prints.</summary>
internal sealed record ReceivedFile(string Id, string Name, string MediaType, long Size, string Path);
