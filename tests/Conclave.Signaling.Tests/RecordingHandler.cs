using System.Collections.Concurrent;
using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

/// <summary>
/// A scripted <see cref="ISignalHandler"/> that records what it is given. Hello tokens: <c>bad</c> is refused,
/// <c>throw</c> throws, anything else is welcomed. <c>update</c> to <c>throw</c> throws, <c>join</c> of <c>locked</c> is refused; other requests get their usual reply.
/// </summary>
internal sealed class RecordingHandler : ISignalHandler
{
    private readonly TaskCompletionSource<bool> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;

    public ConcurrentQueue<SignalMessage> Received { get; } = new();

    /// <summary>The sink handed to the last successful hello.</summary>
    public ISignalSink? Sink { get; private set; }

    /// <summary>Completes with <c>clientClosedNormally</c> when the connection reports its end.</summary>
    public Task<bool> Closed => _closed.Task;

    /// <summary>Set when two calls overlapped, which the contract forbids.</summary>
    public bool Overlapped { get; private set; }

    public async Task<SignalMessage> HelloAsync(HelloMessage hello, ISignalSink sink, CancellationToken cancellationToken)
    {
        using var _ = Enter();
        Received.Enqueue(hello);
        await Task.Yield();
        return hello.Token switch
        {
            "bad" => new ErrorMessage { Code = ErrorCodes.InvalidToken, Message = "token refused" },
            "throw" => throw new InvalidOperationException("hello failed"),
            _ => Welcome(sink),
        };
    }

    public async Task<SignalMessage> HandleAsync(SignalMessage request, CancellationToken cancellationToken)
    {
        using var _ = Enter();
        Received.Enqueue(request);
        await Task.Yield();
        return request switch
        {
            PingMessage => new PongMessage(),
            JoinMessage { Room: "locked" } => new ErrorMessage { Code = ErrorCodes.RoomLocked, Message = "locked" },
            JoinMessage join => new JoinedMessage { Room = join.Room, SessionId = "sess_1", CallId = "call_1", RosterVersion = 1, Participants = [] },
            LeaveMessage => new LeftMessage { Room = "team" },
            UpdateMessage { DisplayName: "throw" } => throw new InvalidOperationException("update failed"),
            UpdateMessage update => new UpdatedMessage { DisplayName = update.DisplayName },
            _ => new ErrorMessage { Code = ErrorCodes.BadRequest, Message = "unexpected" },
        };
    }

    public Task OnClosedAsync(bool clientClosedNormally)
    {
        _closed.TrySetResult(clientClosedNormally);
        return Task.CompletedTask;
    }

    private WelcomeMessage Welcome(ISignalSink sink)
    {
        Sink = sink;
        return new WelcomeMessage
        {
            SessionId = "sess_1", ResumeToken = "resume_1", UserId = "user-1", DisplayName = "Ada",
            HeartbeatIntervalMs = 10_000, SessionTimeoutMs = 20_000,
        };
    }

    private Exit Enter()
    {
        if (Interlocked.Increment(ref _active) != 1) Overlapped = true;
        return new Exit(this);
    }

    private readonly struct Exit(RecordingHandler handler) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref handler._active);
    }
}
