using Xunit.Sdk;

namespace Conclave.Grains.Tests;

/// <summary>
/// A connection stand-in: records what the grains push and lets a test await a matching event.
/// Keep the instance referenced for the whole test: the client holds observer objects weakly.
/// </summary>
public sealed class RecordingObserver : ISessionObserver
{
    private readonly Lock _gate = new();
    private readonly List<ObservedEvent> _events = [];
    private readonly List<(Func<ObservedEvent, bool> Match, TaskCompletionSource<ObservedEvent> Signal)> _waiters = [];

    private RecordingObserver(IClusterClient client) => Reference = client.CreateObjectReference<ISessionObserver>(this);

    /// <summary>The grain-callable reference to this observer.</summary>
    public ISessionObserver Reference { get; }

    /// <summary>Creates an observer and its reference on <paramref name="client"/>.</summary>
    public static RecordingObserver Create(IClusterClient client) => new(client);

    /// <summary>Everything received so far, in order.</summary>
    public IReadOnlyList<ObservedEvent> Events
    {
        get
        {
            lock (_gate) return _events.ToArray();
        }
    }

    /// <inheritdoc />
    public void OnParticipantJoined(string room, long version, Participant participant) => Add(new ObservedEvent.Joined(room, version, participant));

    /// <inheritdoc />
    public void OnParticipantLeft(string room, long version, string sessionId, LeaveReason reason, byte[]? statement) =>
        Add(new ObservedEvent.Left(room, version, sessionId, reason, statement));

    /// <inheritdoc />
    public void OnParticipantUpdated(string room, long version, Participant participant) => Add(new ObservedEvent.Updated(room, version, participant));

    /// <inheritdoc />
    public void OnFileOffered(string room, string fromSessionId, string fromUserId, string fileId, long length) =>
        Add(new ObservedEvent.FileOffered(room, fromSessionId, fromUserId, fileId, length));

    public void OnSessionEnded(SessionEndReason reason) => Add(new ObservedEvent.Ended(reason));

    /// <inheritdoc />
    public void OnE2eeMessage(string room, string fromSessionId, string data, long stream, long sequence) =>
        Add(new ObservedEvent.E2ee(room, fromSessionId, data) { Stream = stream, Sequence = sequence });

    /// <inheritdoc />
    public void OnMediaEvent(string room, string eventJson) => Add(new ObservedEvent.Media(room, eventJson));

    /// <summary>Returns the first event (already received or still to come) of type <typeparamref name="T"/> matching <paramref name="match"/>.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool> match, string description) where T : ObservedEvent
    {
        TaskCompletionSource<ObservedEvent> signal;
        lock (_gate)
        {
            foreach (var e in _events)
            {
                if (e is T typed && match(typed)) return typed;
            }
            signal = new TaskCompletionSource<ObservedEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((e => e is T typed && match(typed), signal));
        }
        try
        {
            return (T)await signal.Task.WaitAsync(Wait.Deadline);
        }
        catch (TimeoutException)
        {
            throw new XunitException($"Timed out waiting for {description}; received: [{string.Join(", ", Events)}]");
        }
    }

    private void Add(ObservedEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(e)) continue;
                _waiters[i].Signal.TrySetResult(e);
                _waiters.RemoveAt(i);
            }
        }
    }
}
