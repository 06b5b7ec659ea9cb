using System.CommandLine;
using Conclave.Client.Files;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave send FILE --to USER... | --room ROOM</c>: encrypts FILE here, uploads it resumably, and gives its key to
/// every device of the recipients (and of the sender). Run again after an interruption, it resumes where the server's
/// copy ends. Prints the file id.
/// </summary>
internal static class SendCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var file = new Argument<string>("FILE") { Description = "The file to send" };
        var to = new Option<string[]>("--to") { Description = "Recipient user ids", HelpName = "USER", AllowMultipleArgumentsPerToken = true };
        var room = new Option<string?>("--room") { Description = "Send to every member of this room", HelpName = "ROOM" };
        var command = new Command("send", "Encrypt a file and send it to users or a room's members (resumes an interrupted send)") { file, to, room };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string path = Path.GetFullPath(context.Get(file)!);
            if (!File.Exists(path)) throw new CliException($"no file {Output.Clean(path)}");
            string[] users = context.Get(to) ?? [];
            string? roomName = context.Get(room);
            if ((users.Length == 0) == (roomName is null)) throw new CliException("say who gets the file: --to USER... or --room ROOM (one of them)");

            using FileSession session = await FileSession.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            if (roomName is not null)
            {
                RoomDto members = await session.Api.GetMyRoomAsync(roomName, cancellationToken).ConfigureAwait(false);
                users = [.. members.Members.Select(m => m.UserId)];
            }
            session.Files.Retrying += e => context.Error.WriteLine($"retrying: {Output.Clean(e.Message)}");
            SentFile sent;
            try
            {
                sent = await TransferProgressView.RunAsync(context, progress =>
                    session.Files.SendAsync(path, users, session.Pending, progress, cancellationToken, skipWithoutDevice: roomName is not null)).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message, ExitCodes.Refused);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot read {Output.Clean(path)}: {e.Message}");
            }
            if (context.Json)
            {
                context.WriteJson(sent, CliJsonContext.Default.SentFile);
                return ExitCodes.Success;
            }
            foreach (string name in sent.Skipped)
                context.Error.WriteLine($"warning: not sent to {Output.Clean(name)}: no registered device yet (they must sign in once first)");
            context.Error.WriteLine($"{(sent.Resumed ? "Resumed and sent" : "Sent")} {Output.Clean(Path.GetFileName(path))} ({sent.Size} bytes, {sent.EncryptedLength} encrypted) to {sent.Devices} device(s).");
            context.Out.WriteLine(sent.FileId);
            return ExitCodes.Success;
        });
        return command;
    }
}
