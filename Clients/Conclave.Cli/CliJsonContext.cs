using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conclave.Cli;

/// <summary>Source-generated JSON for the CLI's own documents (the profile, the login result, the file and call commands' results).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    MaxDepth = 8)]
[JsonSerializable(typeof(Profile))]
[JsonSerializable(typeof(LoginResult))]
[JsonSerializable(typeof(Conclave.Client.Files.SentFile))]
[JsonSerializable(typeof(ReceivedFile))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(CallSummary))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>What <c>conclave login --json</c> prints: the saved profile without its token.</summary>
internal sealed record LoginResult(string UserId, string DeviceId, string DisplayName, string Room, string Server, DateTimeOffset ExpiresAt);
