namespace Conclave.Grains;

/// <summary>
/// The connection that currently carries a session. Calls push roster events to it and the session
/// tells it when it ended; events are delivered by Orleans, never polled.
/// </summary>
public interface ISessionObserver : IGrainObserver
{
    /// <summary>Someone entered the roster of <paramref name="room"/>; the roster is now at <paramref name="version"/>.</summary>
    void OnParticipantJoined(string room, long version, Participant participant);

    /// <summary>Someone left the roster of <paramref name="room"/>, with its signed leave <paramref name="statement"/>
    /// (opaque; null when it gave none, and always unless <paramref name="reason"/> is <see cref="LeaveReason.Left"/>).</summary>
    void OnParticipantLeft(string room, long version, string sessionId, LeaveReason reason, byte[]? statement);

    /// <summary>A participant's details changed.</summary>
    void OnParticipantUpdated(string room, long version, Participant participant);

    /// <summary>
    /// An opaque end-to-end message another participant of the call of <paramref name="room"/> sent this session.
    /// Orleans may deliver one-way calls out of order, so the call numbers the messages it sends each connection:
    /// <paramref name="sequence"/> counts 0, 1, 2, … within <paramref name="stream"/>, a random id the call picks each
    /// time a connection starts receiving for the participant (join, resume); the connection restores that order.
    /// </summary>
    void OnE2eeMessage(string room, string fromSessionId, string data, long stream, long sequence);

    /// <summary>Participant <paramref name="fromSessionId"/> (user <paramref name="fromUserId"/>) of the call of
    /// <paramref name="room"/> shared file <paramref name="fileId"/> (<paramref name="length"/> encrypted bytes) with
    /// this session's user.</summary>
    void OnFileOffered(string room, string fromSessionId, string fromUserId, string fileId, long length);

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
