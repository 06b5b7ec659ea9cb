using System.Text;
using Conclave.Grains;
using Conclave.Signaling;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Media;

/// <summary>This node's <see cref="CallMedia"/> as the other nodes of the cluster reach it (<see cref="IMediaNode"/>):
/// sessions whose signaling connection is elsewhere send their media requests here when this node hosts their
/// call's router, and hear its media events through their <see cref="ISessionObserver"/>.</summary>
public sealed class MediaNodeEndpoint(CallMedia media) : IMediaNode
{
    /// <inheritdoc />
    public Task AttachAsync(string room, string sessionId, ISessionObserver events)
    {
        media.Attach(room, sessionId, new ObserverSink(room, events));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string> HandleAsync(string room, string sessionId, string requestJson)
    {
        // Validated again here: the relay is as untrusted as any connection.
        DecodeResult decoded = SignalCodec.Decode(Encoding.UTF8.GetBytes(requestJson));
        SignalMessage reply = decoded.Message is { } request
            ? media.Handle(room, sessionId, request)
            : new ErrorMessage { Code = decoded.ErrorCode ?? ErrorCodes.BadRequest, Message = decoded.ErrorMessage ?? "bad media request" };
        return Task.FromResult(Encoding.UTF8.GetString(SignalCodec.Encode(reply)));
    }

    /// <inheritdoc />
    public Task DetachAsync(string room, string sessionId)
    {
        media.Detach(room, sessionId);
        return Task.CompletedTask;
    }

    /// <summary>Passes a call's media events to a session connected to another node.</summary>
    private sealed class ObserverSink(string room, ISessionObserver events) : ISignalSink
    {
        public bool TryPost(SignalMessage message)
        {
            events.OnMediaEvent(room, Encoding.UTF8.GetString(SignalCodec.Encode(message)));
            return true;
        }

        public void Close(int code, string reason)
        {
        }
    }
}
