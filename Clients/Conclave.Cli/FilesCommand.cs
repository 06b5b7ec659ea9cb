using System.CommandLine;
using Conclave.E2ee.Files;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave files</c>: the files you sent and those shared with you. Names are inside each file's encrypted manifest,
/// so they are read (the first bytes of each file) and decrypted here; the server does not know them.
/// </summary>
internal static class FilesCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var command = new Command("files", "List the files you sent and those shared with you");
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            using FileSession session = await FileSession.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            FileListDto list = await session.Api.ListFilesAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<ListedFile>();
            foreach (FileDto file in list.Files)
            {
                FileManifest? manifest = await session.Files.TryReadManifestAsync(file, cancellationToken).ConfigureAwait(false);
                rows.Add(new ListedFile(file.Id, manifest?.Name, manifest?.Size, file.Length, file.Role, file.Owner, file.Complete,
                    file.Complete ? file.Length : file.Offset, file.Expires));
            }
            if (context.Json)
            {
                context.WriteJson(new FileList(rows, list.ReservedBytes, list.QuotaBytes), CliJsonContext.Default.FileList);
                return ExitCodes.Success;
            }
            if (rows.Count == 0)
            {
                context.Out.WriteLine("No files.");
                return ExitCodes.Success;
            }
            context.Out.WriteLine($"{"ID",-22}  {"ROLE",-9}  {"SIZE",12}  {"STATE",-10}  {"EXPIRES",-20}  NAME");
            foreach (ListedFile row in rows)
            {
                string state = row.Complete ? "complete" : $"{100 * row.Uploaded / Math.Max(1, row.EncryptedLength)}% up";
                context.Out.WriteLine($"{row.Id,-22}  {row.Role,-9}  {row.Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?",12}  {state,-10}  {Output.Time(row.Expires),-20}  {Output.Clean(row.Name ?? "(cannot be opened on this device)")}");
            }
            context.Out.WriteLine($"Your files hold {list.ReservedBytes} of {list.QuotaBytes} bytes.");
            return ExitCodes.Success;
        });
        return command;
    }
}

/// <summary>One row of <c>conclave files</c>: <paramref name="Name"/> and <paramref name="Size"/> are null when the
/// file cannot be opened on this device.</summary>
internal sealed record ListedFile(string Id, string? Name, long? Size, long EncryptedLength, string Role, string Owner, bool Complete,
    long Uploaded, DateTimeOffset Expires);

/// <summary>What <c>conclave files --json</c> prints.</summary>
internal sealed record FileList(IReadOnlyList<ListedFile> Files, long ReservedBytes, long QuotaBytes);
