using Conclave.Signaling.Protocol;

namespace Conclave.Client;

/// <summary>
/// The roster of the call this session is in, rebuilt from <c>joined</c> (or a resumed <c>welcome</c>'s call) and
/// kept current by <c>participant-joined/left/updated</c>. Every roster change carries the version it produces, so
/// an event whose version is not newer than the roster's, or that names another room, is stale and ignored; this
/// makes it safe to apply the <c>joined</c> reply and the queued events in whatever order they are read.
/// Not thread-safe: feed it from one reader.
/// </summary>
public sealed class RosterTracker
{
    private readonly Dictionary<string, ParticipantInfo> _participants = new(StringComparer.Ordinal);

    /// <summary>The room whose call this is, or null when in no call.</summary>
    public string? Room { get; private set; }

    /// <summary>This session's id in the roster, from <c>joined</c>.</summary>
    public string? SelfSessionId { get; private set; }

    /// <summary>The version of the last applied roster state; -1 when in no call.</summary>
    public long RosterVersion { get; private set; } = -1;

    /// <summary>Participants by session id (this session included).</summary>
    public IReadOnlyDictionary<string, ParticipantInfo> Participants => _participants;

    /// <summary>
    /// Applies one message; returns true when the roster changed. Messages of other types, stale versions and
    /// other rooms are ignored (false).
    /// </summary>
    public bool Apply(SignalMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case JoinedMessage joined:
                return Reset(joined);
            case WelcomeMessage { Call: { } call }:
                return Reset(call);
            case LeftMessage:
                return Clear();
            case ParticipantJoinedEvent e when IsNewer(e.Room, e.RosterVersion):
                _participants[e.Participant.SessionId] = e.Participant;
                RosterVersion = e.RosterVersion;
                return true;
            case ParticipantUpdatedEvent e when IsNewer(e.Room, e.RosterVersion):
                _participants[e.Participant.SessionId] = e.Participant;
                RosterVersion = e.RosterVersion;
                return true;
            case ParticipantLeftEvent e when IsNewer(e.Room, e.RosterVersion):
                _participants.Remove(e.SessionId);
                RosterVersion = e.RosterVersion;
                if (e.SessionId == SelfSessionId) Clear();            // removed from the call (expired or closed)
                return true;
            default:
                return false;
        }
    }

    private bool IsNewer(string room, long version) => Room is not null && room == Room && version > RosterVersion;

    private bool Reset(JoinedMessage joined)
    {
        // A joined for the same room that is older than what events already built is stale.
        if (joined.Room == Room && joined.RosterVersion < RosterVersion) return false;
        _participants.Clear();
        foreach (ParticipantInfo participant in joined.Participants) _participants[participant.SessionId] = participant;
        Room = joined.Room;
        SelfSessionId = joined.SessionId;
        RosterVersion = joined.RosterVersion;
        return true;
    }

    private bool Clear()
    {
        bool changed = Room is not null;
        _participants.Clear();
        Room = null;
        SelfSessionId = null;
        RosterVersion = -1;
        return changed;
    }
}
