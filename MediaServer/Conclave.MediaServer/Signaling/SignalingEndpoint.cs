using Conclave.MediaServer.Api;
using Conclave.MediaServer.Hosting;
using Conclave.MediaServer.Identity;
using Conclave.MediaServer.Media;
using Conclave.Signaling;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Signaling;

/// <summary>The <c>/signal</c> WebSocket (docs/signaling.md). Anonymous at the HTTP level: <c>hello</c> carries the token.</summary>
public static class SignalingEndpoint
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/signal";

    /// <summary>Maps <see cref="Path"/>.</summary>
    public static void MapSignaling(this IEndpointRouteBuilder app) => app.Map(Path, AcceptAsync).AllowAnonymous();

    private static async Task AcceptAsync(
        HttpContext context,
        IGrainFactory grains,
        TokenValidator tokens,
        IOptions<ConclaveOptions> options,
        IOptions<SignalConnectionOptions> connectionOptions,
        TimeProvider time,
        ILoggerFactory loggers,
        MediaNodeClient media,
        IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiResults.Write(context, StatusCodes.Status400BadRequest, ApiErrorCodes.BadRequest, "this endpoint speaks WebSocket");
            return;
        }

        using System.Net.WebSockets.WebSocket socket = await context.WebSockets.AcceptWebSocketAsync(
            new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(15), DangerousEnableCompression = false });
        var connection = new SignalConnection(socket, connectionOptions.Value, time, loggers.CreateLogger<SignalConnection>());
        var session = new SignalSession(grains, tokens, media, options.Value.Media.NodeId, time, loggers.CreateLogger<SignalSession>());
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        await connection.RunAsync(session, stopping.Token);
    }
}
