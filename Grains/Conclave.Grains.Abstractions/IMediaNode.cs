namespace Conclave.Grains;

/// <summary>
/// The call media (SFU routers) of one server node, as the other nodes reach it: a session whose signaling
/// connection is on one node sends its media requests to the node that hosts its call's router (the call's
/// media node, recorded in <see cref="ICallGrain"/>). Implemented by the host as a grain observer; grains only
/// pass it on and never look inside the requests, which are signaling messages as JSON text.
/// </summary>
public interface IMediaNode : IGrainObserver
{
    /// <summary>The session joined the call of <paramref name="room"/>: its media events (tracks, active speaker,
    /// layers) go to <paramref name="events"/> from now on, starting with the current tracks.</summary>
    Task AttachAsync(string room, string sessionId, ISessionObserver events);

    /// <summary>Handles a media request of the session (offer, mute, video-size; already validated by its
    /// signaling node) and returns the reply message, both as signaling JSON.</summary>
    Task<string> HandleAsync(string room, string sessionId, string requestJson);

    /// <summary>The session left the call: its media stops and its tracks leave the others.</summary>
    Task DetachAsync(string room, string sessionId);
}

/// <summary>
/// Where a media node's <see cref="IMediaNode"/> can be reached, keyed by the node id
/// (<c>Conclave:Media:NodeId</c>). Volatile: each node registers itself again periodically, so a registration
/// lost with a silo comes back within one period.
/// </summary>
public interface IMediaNodeGrain : IGrainWithStringKey
{
    /// <summary>Records the node's endpoint (replacing an earlier one).</summary>
    Task RegisterAsync(IMediaNode node);

    /// <summary>The node's endpoint; null when the node has not registered (it is down, or starting).</summary>
    Task<IMediaNode?> GetAsync();
}
