namespace Conclave.Media.Transport.Ice;

/// <summary>RFC 7675 §5.1 on the ICE-lite side: once a peer has nominated a pair, an authenticated check must arrive at
/// least every 30 seconds; when none did, <c>onExpired</c> runs once and the peer is to be ended. One timer per peer,
/// armed at the first nomination and re-armed at each consent deadline: nothing polls.</summary>
public sealed class ConsentWatch : IDisposable
{
    // A little past the deadline, so a check arriving right at it is still counted.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(10);

    // Passed by argument
    private readonly IceLiteAgent _agent;
    private readonly Action _onExpired;

    // Allocated by this
    private readonly ITimer _timer;                                   // Owned
    private int _started;
    private int _ended;

    /// <summary>Creates the watch; it starts by itself if <paramref name="agent"/> already has a selected pair.</summary>
    public ConsentWatch(IceLiteAgent agent, TimeProvider time, Action onExpired)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(onExpired);
        _agent = agent;
        _onExpired = onExpired;
        _timer = time.CreateTimer(static s => ((ConsentWatch)s!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (agent.TryGetSelectedRemote(out _)) Start();
    }

    /// <summary>The peer nominated a pair (<c>OnSelectedAddressChanged</c>): consent is watched from now on. Idempotent.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0 || Volatile.Read(ref _ended) != 0) return;
        _timer.Change(IceLiteAgent.ConsentTimeout + Slack, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops watching; <c>onExpired</c> will not run any more.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _ended, 1);
        _timer.Dispose();
    }

    private void Check()
    {
        if (Volatile.Read(ref _ended) != 0) return;
        if (_agent.HasConsent)
        {
            _timer.Change(_agent.ConsentRemaining + Slack, Timeout.InfiniteTimeSpan);
            return;
        }
        if (Interlocked.Exchange(ref _ended, 1) != 0) return;
        _timer.Dispose();
        _onExpired();
    }
}
