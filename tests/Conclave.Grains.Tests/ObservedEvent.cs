namespace Conclave.Grains.Tests;

/// <summary>An event a <see cref="RecordingObserver"/> received.</summary>
public abstract record ObservedEvent
{
    /// <summary><see cref="ISessionObserver.OnParticipantJoined"/>.</summary>
    public sealed record Joined(string Room, long Version, Participant Participant) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnParticipantLeft"/>.</summary>
    public sealed record Left(string Room, long Version, string SessionId, LeaveReason Reason, byte[]? Statement) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnParticipantUpdated"/>.</summary>
    public sealed record Updated(string Room, long Version, Participant Participant) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnE2eeMessage"/>.</summary>
    /// <remarks>Its stream and sequence number are outside the record's equality, so a test can compare what was sent.</remarks>
    public sealed record E2ee(string Room, string From, string Data) : ObservedEvent
    {
        /// <summary>The numbering stream (one per connection attachment).</summary>
        public long Stream { get; init; }

        /// <summary>The message's number in <see cref="Stream"/>.</summary>
        public long Sequence { get; init; }

        /// <inheritdoc />
        public bool Equals(E2ee? other) => other is not null && Room == other.Room && From == other.From && Data == other.Data;

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Room, From, Data);
    }

    /// <summary><see cref="ISessionObserver.OnMediaEvent"/>.</summary>
    public sealed record Media(string Room, string EventJson) : ObservedEvent;

    /// <summary>A file was shared into the call with this session's user.</summary>
    public sealed record FileOffered(string Room, string From, string FromUserId, string FileId, long Length) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnSessionEnded"/>.</summary>
    public sealed record Ended(SessionEndReason Reason) : ObservedEvent;
}
