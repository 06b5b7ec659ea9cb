using System.Buffers.Text;
using System.Security.Cryptography;
using Conclave.Signaling.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conclave.Grains;

/// <summary>
/// The live call of one room (volatile). The roster is keyed by session id; every change increments
/// <see cref="CallSnapshot.Version"/> and is pushed one-way to the participants' observers. Each time the roster goes
/// from empty to non-empty a new call starts, with a new random <see cref="CallSnapshot.CallId"/>.
/// <para>
/// The grain stays blind to end-to-end encryption: membership and leave statements and relayed e2ee messages are
/// opaque, stored or passed on unread (and never logged), only bounded in size and authorised against the roster.
/// Relayed messages go out one-way in the order they came, through this single-threaded grain, numbered per recipient
/// connection (<see cref="E2eeChannel"/>): Orleans may reorder one-way calls, and the connection restores the order.
/// </para>
/// <para>
/// While the roster is not empty a ghost check runs every <see cref="SessionOptions.Timeout"/>/2: each participant's
/// <see cref="ISessionGrain.IsInCallAsync"/> is asked, and those that answer false (their session expired, closed,
/// or was lost with a crashed silo) are evicted with <see cref="LeaveReason.Expired"/>. The check interleaves with
/// calls, so a slow or dead session never blocks joins, and it keeps the activation alive while people are in it.
/// </para>
/// </summary>
public sealed partial class CallGrain(IOptions<SessionOptions> options, ILogger<CallGrain> logger) : Grain, ICallGrain
{
    /// <summary>
    /// Upper bound on participants in one call. A join beyond it answers <see cref="RoomStatus.InvalidArgument"/>
    /// (no <see cref="RoomStatus"/> names a full call).
    /// </summary>
    public const int MaxParticipants = 500;

    private readonly SessionOptions _options = options.Value;
    private readonly Dictionary<string, CallRosterEntry> _roster = new(StringComparer.Ordinal);
    private string? _mediaNode;
    private string? _callId;
    private long _version;
    private IGrainTimer? _ghostCheck; // Owned

    private string Room => this.GetPrimaryKeyString();

    // Half the session timeout: a session lost with its silo is asked again (and re-activated empty) soon enough
    // that its ghost leaves within about the time an expiring session takes.
    private TimeSpan GhostCheckPeriod => _options.Timeout / 2;

    private TimeProvider Clock => ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Start from the clock (µs since the epoch) so versions keep increasing across re-activations of the call.
        _version = Clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Invalid input (ids, display name, media node) or a full call answer <see cref="RoomStatus.InvalidArgument"/>.
    /// Joining again with the same session replaces its entry, keeps its join time, clears its membership statement
    /// (the client signs one for the new <see cref="Participant.JoinVersion"/>), and is announced to the others
    /// as <see cref="ISessionObserver.OnParticipantJoined"/> (observers treat it as an upsert). The snapshot answered
    /// is at the join's version.
    /// </remarks>
    public async Task<CallJoinResult> JoinAsync(ParticipantJoin join, ISessionObserver observer, string mediaNode)
    {
        ArgumentNullException.ThrowIfNull(join);
        ArgumentNullException.ThrowIfNull(observer);
        if (!InputRules.IsValidId(join.SessionId) || !InputRules.IsValidId(join.UserId) || !InputRules.IsValidId(join.DeviceId)
            || !InputRules.IsValidDisplayName(join.DisplayName) || !InputRules.IsValidMediaNode(mediaNode))
        {
            return new CallJoinResult(RoomStatus.InvalidArgument, null);
        }

        var decision = await GrainFactory.GetGrain<IRoomGrain>(Room).CheckJoinAsync(join.UserId);
        if (decision.Status != RoomStatus.Ok) return new CallJoinResult(decision.Status, null);
        var keys = await GrainFactory.GetGrain<IUserGrain>(join.UserId).GetDeviceKeysAsync(join.DeviceId);

        // The awaits above let other calls in: decide on the roster as it is now.
        _roster.TryGetValue(join.SessionId, out var existing);
        if (existing is null && _roster.Count >= MaxParticipants) return new CallJoinResult(RoomStatus.InvalidArgument, null);

        if (_roster.Count == 0)
        {
            _mediaNode = mediaNode;
            _callId = NewCallId();
        }
        long version = ++_version;
        var participant = new Participant(join.SessionId, join.UserId, join.DeviceId, join.DisplayName, decision.Role, keys,
            existing?.Participant.JoinedAt ?? Clock.GetUtcNow(), version, []);
        _roster[join.SessionId] = new CallRosterEntry(participant, observer, new E2eeChannel());
        EnsureGhostCheck();

        foreach (var entry in _roster.Values)
        {
            if (entry.Participant.SessionId == join.SessionId) continue;
            ObserverCalls.Notify(entry.Observer, o => o.OnParticipantJoined(Room, version, participant), logger, "participant joined");
        }
        return new CallJoinResult(RoomStatus.Ok, Snapshot());
    }

    /// <inheritdoc />
    public Task<CallSnapshot?> AttachAsync(string sessionId, ISessionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (sessionId is null || !_roster.TryGetValue(sessionId, out var entry)) return Task.FromResult<CallSnapshot?>(null);
        _roster[sessionId] = entry with { Observer = observer, Channel = new E2eeChannel() };
        return Task.FromResult<CallSnapshot?>(Snapshot());
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The statement is empty or longer than <see cref="SignalLimits.MaxMembershipStatementBytes"/>;
    /// the participant stays.</exception>
    public Task LeaveAsync(string sessionId, LeaveReason reason, byte[]? statement)
    {
        if (statement is not null && !InputRules.IsValidStatement(statement)) throw new ArgumentException("Invalid leave statement.", nameof(statement));
        if (sessionId is not null && _roster.TryGetValue(sessionId, out var entry)) Remove(entry, reason, statement);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>An invalid display name leaves the roster unchanged and answers the current snapshot.</remarks>
    public Task<CallSnapshot?> UpdateDisplayNameAsync(string sessionId, string displayName)
    {
        if (sessionId is null || !_roster.TryGetValue(sessionId, out var entry)) return Task.FromResult<CallSnapshot?>(null);
        if (!InputRules.IsValidDisplayName(displayName) || entry.Participant.DisplayName == displayName)
        {
            return Task.FromResult<CallSnapshot?>(Snapshot());
        }

        var participant = entry.Participant with { DisplayName = displayName };
        _roster[sessionId] = entry with { Participant = participant };
        long version = ++_version;
        foreach (var other in _roster.Values)
        {
            ObserverCalls.Notify(other.Observer, o => o.OnParticipantUpdated(Room, version, participant), logger, "participant updated");
        }
        return Task.FromResult<CallSnapshot?>(Snapshot());
    }

    /// <inheritdoc />
    /// <remarks>The same statement again changes nothing and answers the current snapshot.</remarks>
    /// <exception cref="ArgumentException">The statement is empty or longer than <see cref="SignalLimits.MaxMembershipStatementBytes"/>.</exception>
    public Task<CallSnapshot?> SetMembershipAsync(string sessionId, byte[] statement)
    {
        if (!InputRules.IsValidStatement(statement)) throw new ArgumentException("Invalid membership statement.", nameof(statement));
        if (sessionId is null || !_roster.TryGetValue(sessionId, out var entry)) return Task.FromResult<CallSnapshot?>(null);
        if (entry.Participant.Membership.AsSpan().SequenceEqual(statement)) return Task.FromResult<CallSnapshot?>(Snapshot());

        var participant = entry.Participant with { Membership = statement };
        _roster[sessionId] = entry with { Participant = participant };
        long version = ++_version;
        foreach (var other in _roster.Values)
        {
            ObserverCalls.Notify(other.Observer, o => o.OnParticipantUpdated(Room, version, participant), logger, "participant updated");
        }
        return Task.FromResult<CallSnapshot?>(Snapshot());
    }

    /// <inheritdoc />
    /// <remarks>
    /// An envelope counts as delivered once it is sent one-way to its recipient's connection; one for the sender
    /// itself, for a session not in this call, or whose connection reference is broken is undelivered.
    /// </remarks>
    /// <exception cref="ArgumentException">The batch breaks <see cref="InputRules.IsValidE2eeBatch"/>; nothing is sent.</exception>
    public Task<E2eeRelayResult?> RelayE2eeAsync(string fromSessionId, IReadOnlyList<E2eeEnvelope> messages)
    {
        if (!InputRules.IsValidE2eeBatch(messages)) throw new ArgumentException("Invalid e2ee messages.", nameof(messages));
        if (fromSessionId is null || !_roster.ContainsKey(fromSessionId)) return Task.FromResult<E2eeRelayResult?>(null);

        int delivered = 0;
        var undelivered = new List<string>();
        foreach (var message in messages)
        {
            if (message.To != fromSessionId && _roster.TryGetValue(message.To, out var recipient) && Relay(recipient, fromSessionId, message.Data))
            {
                delivered++;
            }
            else
            {
                undelivered.Add(message.To);
            }
        }
        return Task.FromResult<E2eeRelayResult?>(new E2eeRelayResult(delivered, undelivered));
    }

    /// <inheritdoc />
    public Task<CallSnapshot> GetSnapshotAsync() => Task.FromResult(Snapshot());

    /// <inheritdoc />
    public Task<int?> OfferFileAsync(string fromSessionId, string fileId, long length, IReadOnlyList<string> recipientUserIds)
    {
        ArgumentNullException.ThrowIfNull(recipientUserIds);
        if (fromSessionId is null || !_roster.TryGetValue(fromSessionId, out var sender)) return Task.FromResult<int?>(null);
        var recipients = new HashSet<string>(recipientUserIds, StringComparer.Ordinal);
        string fromUserId = sender.Participant.UserId;
        int notified = 0;
        foreach (var entry in _roster.Values)
        {
            if (entry == sender || !recipients.Contains(entry.Participant.UserId)) continue;
            if (ObserverCalls.Notify(entry.Observer, o => o.OnFileOffered(Room, fromSessionId, fromUserId, fileId, length), logger, "file offer")) notified++;
        }
        return Task.FromResult<int?>(notified);
    }

    /// <summary>Sends one e2ee message to <paramref name="recipient"/>'s connection with the next number of its channel.</summary>
    private bool Relay(CallRosterEntry recipient, string fromSessionId, string data)
    {
        E2eeChannel channel = recipient.Channel;
        long sequence = channel.Next;
        if (!ObserverCalls.Notify(recipient.Observer, o => o.OnE2eeMessage(Room, fromSessionId, data, channel.Id, sequence), logger, "e2ee message"))
        {
            return false;
        }
        channel.Next = sequence + 1;
        return true;
    }

    private void Remove(CallRosterEntry entry, LeaveReason reason, byte[]? statement = null)
    {
        string sessionId = entry.Participant.SessionId;
        _roster.Remove(sessionId);
        long version = ++_version;
        if (_roster.Count == 0)
        {
            _mediaNode = null;
            _callId = null;
            _ghostCheck?.Dispose();
            _ghostCheck = null;
        }
        foreach (var other in _roster.Values)
        {
            ObserverCalls.Notify(other.Observer, o => o.OnParticipantLeft(Room, version, sessionId, reason, statement), logger, "participant left");
        }
    }

    private void EnsureGhostCheck()
    {
        _ghostCheck ??= this.RegisterGrainTimer(CheckForGhostsAsync, new GrainTimerCreationOptions
        {
            DueTime = GhostCheckPeriod,
            Period = GhostCheckPeriod,
            Interleave = true,
            KeepAlive = true,
        });
    }

    private async Task CheckForGhostsAsync(CancellationToken cancellationToken)
    {
        var entries = _roster.Values.ToArray();
        var answers = new Task<bool>[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            answers[i] = GrainFactory.GetGrain<ISessionGrain>(entries[i].Participant.SessionId)
                .IsInCallAsync(Room).WaitAsync(GhostCheckPeriod, cancellationToken);
        }

        try
        {
            await Task.WhenAll(answers); // every answer is bounded by the timeout; this observes all failures
        }
        catch (Exception)
        {
            // Looked at one by one below.
        }
        if (cancellationToken.IsCancellationRequested) return; // the timer was stopped (roster emptied or deactivation)

        for (int i = 0; i < entries.Length; i++)
        {
            string sessionId = entries[i].Participant.SessionId;
            if (!answers[i].IsCompletedSuccessfully)
            {
                // No answer is not proof of absence: keep the participant and ask again next round.
                LogGhostCheckFailed(logger, answers[i].Exception?.GetBaseException(), Room, sessionId);
                continue;
            }

            // Evict only the entry that was asked about; a rejoin or resume in the meantime replaced it.
            if (!answers[i].Result && _roster.TryGetValue(sessionId, out var current) && ReferenceEquals(current, entries[i]))
            {
                LogGhostEvicted(logger, Room, sessionId);
                Remove(current, LeaveReason.Expired);
            }
        }
    }

    private CallSnapshot Snapshot()
    {
        var participants = new Participant[_roster.Count];
        int i = 0;
        foreach (var entry in _roster.Values) participants[i++] = entry.Participant;
        Array.Sort(participants, static (a, b) =>
        {
            int byTime = a.JoinedAt.CompareTo(b.JoinedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.SessionId, b.SessionId);
        });
        return new CallSnapshot(Room, _mediaNode, _version, participants, _callId);
    }

    /// <summary>A new call id: 16 random bytes, base64url (22 characters), like the server's other ids.</summary>
    private static string NewCallId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {Room}: evicted ghost session {SessionId}")]
    private static partial void LogGhostEvicted(ILogger logger, string room, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {Room}: ghost check of session {SessionId} got no answer")]
    private static partial void LogGhostCheckFailed(ILogger logger, Exception? exception, string room, string sessionId);
}
