namespace Conclave.Grains.Tests;

/// <summary>An event a <see cref="RecordingObserver"/> received.</summary>
public abstract record ObservedEvent
{
    /// <summary><see cref="ISessionObserver.OnParticipantJoined"/>.</summary>
    public sealed record Joined(string Room, long Version, Participant Participant) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnParticipantLeft"/>.</summary>
    public sealed record Left(string Room, long Version, string SessionId, LeaveReason Reason) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnParticipantUpdated"/>.</summary>
    public sealed record Updated(string Room, long Version, Participant Participant) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnMediaEvent"/>.</summary>
    public sealed record Media(string Room, string EventJson) : ObservedEvent;

    /// <summary><see cref="ISessionObserver.OnSessionEnded"/>.</summary>
    public sealed record Ended(SessionEndReason Reason) : ObservedEvent;
}
