namespace Conclave.Grains;

/// <summary>
/// The connection that currently carries a session. Calls push roster events to it and the session
/// tells it when it ended; events are delivered by Orleans, never polled.
/// </summary>
public interface ISessionObserver : IGrainObserver
{
    /// <summary>Someone entered the roster of <paramref name="room"/>; the roster is now at <paramref name="version"/>.</summary>
    void OnParticipantJoined(string room, long version, Participant participant);

    /// <summary>Someone left the roster of <paramref name="room"/>.</summary>
    void OnParticipantLeft(string room, long version, string sessionId, LeaveReason reason);

    /// <summary>A participant's details changed.</summary>
    void OnParticipantUpdated(string room, long version, Participant participant);

    /// <summary>A media event of <paramref name="room"/> for this session (tracks, active speaker, layers) from the
    /// call's media node on another server, as signaling JSON to pass on.</summary>
    void OnMediaEvent(string room, string eventJson);

    /// <summary>The session ended (expired, or taken over by a resumed connection); the connection should close.</summary>
    void OnSessionEnded(SessionEndReason reason);
}

/// <summary>Why a session stopped being carried by a connection.</summary>
public enum SessionEndReason
{
    /// <summary>No heartbeat arrived within the session timeout.</summary>
    Expired = 0,
    /// <summary>A newer connection resumed the session.</summary>
    Replaced = 1,
    /// <summary>The session was closed on purpose.</summary>
    Closed = 2,
}
