using System.Text;
using Conclave.Grains;
using Conclave.Signaling;
using Conclave.Signaling.Protocol;

namespace Conclave.MediaServer.Media;

/// <summary>Sends a session's media requests to its call's media node (recorded in the call, docs/architecture.md):
/// this node's <see cref="CallMedia"/> directly, or another node's through its registered <see cref="IMediaNode"/>,
/// with the request and the reply as signaling JSON. A session's tracks, subscriptions and media events then all
/// live on one router per call, whichever node each participant's signaling connection is on.</summary>
public sealed class MediaNodeClient(IGrainFactory grains, CallMedia local, string localNodeId)
{
    /// <summary>The session joined the call of <paramref name="room"/> hosted on <paramref name="mediaNode"/>: it hears
    /// the call's media events, here through <paramref name="sink"/>, from another node through <paramref name="observer"/>.</summary>
    /// <returns>False when the media node cannot be reached.</returns>
    public async Task<bool> AttachAsync(string mediaNode, string room, string sessionId, ISignalSink sink, ISessionObserver observer)
    {
        if (mediaNode == localNodeId)
        {
            local.Attach(room, sessionId, sink);
            return true;
        }
        if (await FindAsync(mediaNode) is not { } node) return false;
        await node.AttachAsync(room, sessionId, observer);
        return true;
    }

    /// <summary>An <c>offer</c>, <c>mute</c> or <c>video-size</c> of the session; the reply or an error message.</summary>
    public async Task<SignalMessage> HandleAsync(string mediaNode, string room, string sessionId, SignalMessage request)
    {
        if (mediaNode == localNodeId) return local.Handle(room, sessionId, request);
        if (await FindAsync(mediaNode) is not { } node) return Unavailable(mediaNode);
        string reply = await node.HandleAsync(room, sessionId, Encoding.UTF8.GetString(SignalCodec.Encode(request with { RequestId = null })));
        return SignalCodec.DecodeServerMessage(Encoding.UTF8.GetBytes(reply))
            ?? new ErrorMessage { Code = ErrorCodes.Internal, Message = "the media node sent an unreadable reply" };
    }

    /// <summary>The session left the call: its media ends on the media node.</summary>
    public async Task DetachAsync(string mediaNode, string room, string sessionId)
    {
        if (mediaNode == localNodeId) local.Detach(room, sessionId);
        else if (await FindAsync(mediaNode) is { } node) await node.DetachAsync(room, sessionId);
    }

    private async Task<IMediaNode?> FindAsync(string mediaNode) => await grains.GetGrain<IMediaNodeGrain>(mediaNode).GetAsync();

    private static ErrorMessage Unavailable(string mediaNode) => new()
    {
        Code = ErrorCodes.MediaUnavailable,
        Message = $"the server hosting this call's media ({mediaNode}) cannot be reached",
    };
}
