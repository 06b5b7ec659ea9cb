using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conclave.Grains;

/// <summary>
/// Liveness of one device connection (volatile, keyed by a random session id).
/// <para>
/// After <see cref="OpenAsync"/> a keep-alive timer ticks every <see cref="SessionOptions.Timeout"/>/4; once no
/// heartbeat (or resume) arrived for <see cref="SessionOptions.Timeout"/> the session leaves its call with
/// <see cref="LeaveReason.Expired"/>, tells its connection <see cref="SessionEndReason.Expired"/>, and deactivates.
/// An activation that was never opened (an unknown or lost session) answers as an ended one and deactivates.
/// </para>
/// </summary>
public sealed partial class SessionGrain(IOptions<SessionOptions> options, ILogger<SessionGrain> logger) : Grain, ISessionGrain
{
    private readonly SessionOptions _options = options.Value;
    private SessionIdentity? _identity;
    private ISessionObserver? _observer;
    private byte[]? _resumeTokenHash;
    private string? _room;
    private DateTimeOffset _lastHeartbeat;
    private bool _ended;
    private IGrainTimer? _expiryCheck; // Owned

    private string SessionId => this.GetPrimaryKeyString();

    private bool IsLive => _identity is not null && !_ended;

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The identity's user id, device id or display name is invalid.</exception>
    /// <exception cref="InvalidOperationException">The session was already opened (session ids are single use: a programming error).</exception>
    public Task<SessionOpened> OpenAsync(SessionIdentity identity, ISessionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(observer);
        if (!InputRules.IsValidId(identity.UserId) || !InputRules.IsValidId(identity.DeviceId)
            || !InputRules.IsValidDisplayName(identity.DisplayName) || !InputRules.IsValidId(SessionId))
        {
            throw new ArgumentException("Invalid session identity.", nameof(identity));
        }
        if (_identity is not null) throw new InvalidOperationException("The session was already opened.");

        _identity = identity;
        _observer = observer;
        _lastHeartbeat = Clock.GetUtcNow();
        var period = _options.Timeout / 4;
        _expiryCheck = this.RegisterGrainTimer(CheckExpiryAsync, new GrainTimerCreationOptions
        {
            DueTime = period,
            Period = period,
            KeepAlive = true,
        });
        return Task.FromResult(IssueToken());
    }

    /// <inheritdoc />
    public async Task<SessionResumed> ResumeAsync(string userId, string resumeToken, ISessionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (!IsLive)
        {
            ForgetIfNeverOpened();
            return new SessionResumed(ResumeStatus.Expired, null, null, null);
        }
        if (userId != _identity!.UserId || !ResumeToken.Matches(resumeToken, _resumeTokenHash))
        {
            return new SessionResumed(ResumeStatus.Forbidden, null, null, null);
        }

        if (_observer is { } previous && !SameObserver(previous, observer))
        {
            ObserverCalls.Notify(previous, o => o.OnSessionEnded(SessionEndReason.Replaced), logger, "session replaced");
        }
        _observer = observer;
        _lastHeartbeat = Clock.GetUtcNow();
        var opened = IssueToken();

        CallSnapshot? call = null;
        if (_room is { } room)
        {
            call = await GrainFactory.GetGrain<ICallGrain>(room).AttachAsync(SessionId, observer);
            if (call is null) _room = null; // the call lost us (for example its silo crashed): we are in no call
        }
        return new SessionResumed(ResumeStatus.Ok, _identity, opened, call);
    }

    /// <inheritdoc />
    /// <remarks>An invalid room name answers <see cref="RoomStatus.InvalidArgument"/>.</remarks>
    /// <exception cref="InvalidOperationException">The session is not open, has ended, or has no connection (after <see cref="DisconnectedAsync"/>).</exception>
    public async Task<CallJoinResult> JoinAsync(string room, string mediaNode)
    {
        var identity = RequireLive();
        if (_observer is not { } observer) throw new InvalidOperationException("The session has no connection; resume it first.");
        if (!InputRules.IsValidId(room)) return new CallJoinResult(RoomStatus.InvalidArgument, null);

        if (_room is { } current && current != room)
        {
            _room = null;
            await GrainFactory.GetGrain<ICallGrain>(current).LeaveAsync(SessionId, LeaveReason.Left, null);
        }

        var join = new ParticipantJoin(SessionId, identity.UserId, identity.DeviceId, identity.DisplayName);
        var result = await GrainFactory.GetGrain<ICallGrain>(room).JoinAsync(join, observer, mediaNode);
        if (result.Status == RoomStatus.Ok) _room = room;
        return result;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The statement is empty or too large; the session stays in its call.</exception>
    public async Task<string?> LeaveAsync(byte[]? statement)
    {
        if (statement is not null && !InputRules.IsValidStatement(statement)) throw new ArgumentException("Invalid leave statement.", nameof(statement));
        if (!IsLive || _room is not { } room) return null;
        _room = null;
        await GrainFactory.GetGrain<ICallGrain>(room).LeaveAsync(SessionId, LeaveReason.Left, statement);
        return room;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The statement is empty or too large.</exception>
    /// <exception cref="InvalidOperationException">The session is not open or has ended.</exception>
    public async Task<CallSnapshot?> SetMembershipAsync(byte[] statement)
    {
        RequireLive();
        if (!InputRules.IsValidStatement(statement)) throw new ArgumentException("Invalid membership statement.", nameof(statement));
        if (_room is not { } room) return null;
        return await GrainFactory.GetGrain<ICallGrain>(room).SetMembershipAsync(SessionId, statement);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The batch is empty, too large, names a recipient twice or holds an invalid entry.</exception>
    /// <exception cref="InvalidOperationException">The session is not open or has ended.</exception>
    public async Task<E2eeRelayResult?> RelayE2eeAsync(IReadOnlyList<E2eeEnvelope> messages)
    {
        RequireLive();
        if (!InputRules.IsValidE2eeBatch(messages)) throw new ArgumentException("Invalid e2ee messages.", nameof(messages));
        if (_room is not { } room) return null;
        return await GrainFactory.GetGrain<ICallGrain>(room).RelayE2eeAsync(SessionId, messages);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The file id is not one.</exception>
    /// <exception cref="InvalidOperationException">The session is not open or has ended.</exception>
    public async Task<FileOfferResult> OfferFileAsync(string fileId)
    {
        var identity = RequireLive();
        if (!InputRules.IsValidFileId(fileId)) throw new ArgumentException("Invalid file id.", nameof(fileId));
        if (_room is not { } room) return new FileOfferResult(FileOfferStatus.NotInCall);
        FileResult file = await GrainFactory.GetGrain<IFileGrain>(fileId).GetAsync(identity.UserId);
        if (file.File is not { } view) return new FileOfferResult(file.Status == FileStatus.Forbidden ? FileOfferStatus.NotOwner : FileOfferStatus.NotFound);
        if (view.OwnerUserId != identity.UserId) return new FileOfferResult(FileOfferStatus.NotOwner);
        if (!view.Complete) return new FileOfferResult(FileOfferStatus.NotComplete);
        string[] recipients = [.. view.Keys.Select(k => k.UserId).Distinct(StringComparer.Ordinal)];
        int? notified = await GrainFactory.GetGrain<ICallGrain>(room).OfferFileAsync(SessionId, fileId, view.Length, recipients);
        return notified is { } count ? new FileOfferResult(FileOfferStatus.Ok, count) : new FileOfferResult(FileOfferStatus.NotInCall);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The display name is empty, too long or holds control characters.</exception>
    /// <exception cref="InvalidOperationException">The session is not open or has ended.</exception>
    public async Task<CallSnapshot?> UpdateDisplayNameAsync(string displayName)
    {
        var identity = RequireLive();
        if (!InputRules.IsValidDisplayName(displayName)) throw new ArgumentException("Invalid display name.", nameof(displayName));
        _identity = identity with { DisplayName = displayName };
        if (_room is not { } room) return null;
        return await GrainFactory.GetGrain<ICallGrain>(room).UpdateDisplayNameAsync(SessionId, displayName);
    }

    /// <inheritdoc />
    public Task<bool> HeartbeatAsync()
    {
        if (!IsLive)
        {
            ForgetIfNeverOpened();
            return Task.FromResult(false);
        }
        _lastHeartbeat = Clock.GetUtcNow();
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task DisconnectedAsync(ISessionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        // A late report from a connection that was already replaced must not orphan the new one.
        if (_observer is { } current && SameObserver(current, observer)) _observer = null;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Closing an ended session does nothing.</remarks>
    public Task CloseAsync(ISessionObserver? closingConnection)
    {
        if (closingConnection is not null && _observer is { } current && SameObserver(current, closingConnection)) _observer = null;
        return EndAsync(LeaveReason.Left, SessionEndReason.Closed, deactivate: true);
    }

    /// <inheritdoc />
    public Task<bool> IsInCallAsync(string room)
    {
        if (!IsLive) ForgetIfNeverOpened();
        return Task.FromResult(IsLive && _room is not null && _room == room);
    }

    /// <inheritdoc />
    /// <remarks>A live session deactivated by its silo (shutdown) leaves its call rather than waiting to be found as a ghost.</remarks>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (IsLive)
        {
            LogDeactivatedWhileLive(logger, SessionId, reason.Description);
            await EndAsync(LeaveReason.Closed, SessionEndReason.Closed, deactivate: false).WaitAsync(cancellationToken);
        }
    }

    private async Task CheckExpiryAsync(CancellationToken cancellationToken)
    {
        if (!IsLive || Clock.GetUtcNow() - _lastHeartbeat < _options.Timeout) return;
        LogExpired(logger, SessionId);
        await EndAsync(LeaveReason.Expired, SessionEndReason.Expired, deactivate: true);
    }

    private async Task EndAsync(LeaveReason leaveReason, SessionEndReason endReason, bool deactivate)
    {
        if (!IsLive) return;
        _ended = true;
        _expiryCheck?.Dispose();
        _expiryCheck = null;
        var observer = _observer;
        _observer = null;
        _resumeTokenHash = null;

        if (_room is { } room)
        {
            _room = null;
            try
            {
                await GrainFactory.GetGrain<ICallGrain>(room).LeaveAsync(SessionId, leaveReason, null).WaitAsync(_options.Timeout);
            }
            catch (Exception ex)
            {
                // The call's ghost check evicts us anyway once we answer IsInCallAsync with false.
                LogLeaveFailed(logger, ex, SessionId, room);
            }
        }

        ObserverCalls.Notify(observer, o => o.OnSessionEnded(endReason), logger, "session ended");
        if (deactivate) DeactivateOnIdle();
    }

    private SessionOpened IssueToken()
    {
        (string token, _resumeTokenHash) = ResumeToken.Create();
        return new SessionOpened(token, _options.HeartbeatInterval, _options.Timeout);
    }

    private SessionIdentity RequireLive()
    {
        if (_identity is null || _ended)
        {
            ForgetIfNeverOpened();
            throw new InvalidOperationException("The session is not open or has ended.");
        }
        return _identity;
    }

    private void ForgetIfNeverOpened()
    {
        if (_identity is null) DeactivateOnIdle();
    }

    private static bool SameObserver(ISessionObserver a, ISessionObserver b) => a.GetGrainId() == b.GetGrainId();

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} expired")]
    private static partial void LogExpired(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} could not leave call {Room}")]
    private static partial void LogLeaveFailed(ILogger logger, Exception exception, string sessionId, string room);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} deactivated while live: {Reason}")]
    private static partial void LogDeactivatedWhileLive(ILogger logger, string sessionId, string reason);
}
