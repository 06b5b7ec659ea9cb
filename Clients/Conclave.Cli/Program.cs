using System.Collections;
using Conclave.Cli;

var environment = new Dictionary<string, string?>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
    environment[(string)entry.Key] = entry.Value as string;

return await ConclaveCli.RunAsync(args, Console.Out, Console.Error, environment, handleTermination: true, CancellationToken.None);
