using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Conclave.Media.Transport.Sdp;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Ice;

/* A full ICE agent in the controlling role (RFC 8445 §6.1.1: facing an ICE-lite peer the full agent MUST control),
   for one component (rtcp-mux, BUNDLE) and one local base (the client's socket):

     ConnectAsync --> check list (§6.1.2): one pair per remote UDP candidate, by pair priority, pruned, at most 100;
                      per foundation the best pair Waiting, the others Frozen
     every Ta (§14.2): the queued nomination (triggered check, §6.1.4.1) or else the best Waiting pair (§6.1.4.2)
     each check retransmitted on its RTO (§14.3, RFC 8489 §6.2.1) until answered or timed out
     first pair that succeeds (§7.2.5.3) --> checked again with USE-CANDIDATE (regular nomination, §8.1.1)
     that check succeeds --> the pair is selected: Connected; every other check stops (§8.1.2)
     Connected --> a consent check every 4-6 s; none answered for 30 s --> ConsentLost (RFC 7675 §5.1)

   Every response must name an outstanding transaction, carry a valid FINGERPRINT and MESSAGE-INTEGRITY under the
   remote password (RFC 8489 §9.1.4), and come from where its request went (RFC 8445 §7.2.5.2.1). */
/// <summary>The client side of ICE for one connection to an ICE-lite server: checks the server's candidates,
/// nominates one pair with USE-CANDIDATE and keeps consent fresh (RFC 7675). Transport-agnostic: datagrams go out
/// through an <see cref="IceDatagramSender"/>, and the caller feeds STUN datagrams it receives to
/// <see cref="HandleStun"/>. Timers use the <see cref="TimeProvider"/>; nothing sleeps or polls.
/// <para>Role conflicts (RFC 8445 §7.2.5.1): an ICE-lite agent is always controlled (§6.1.1) and can only answer
/// 487 to a request carrying ICE-CONTROLLED, which this agent never sends. A 487 therefore comes from a broken peer;
/// switching to the controlled role would leave no one to nominate, so the agent stays controlling and the pair
/// that drew the 487 simply fails, like one answered with any other error (§7.2.5.2.4).</para>
/// <para>All members are thread-safe. <see cref="HandleStun"/> allocates nothing.</para></summary>
public sealed class IceControllingAgent : IDisposable
{
    /// <summary>RFC 7675 §5.1: consent expires 30 seconds after the last answered check was sent.</summary>
    public static readonly TimeSpan ConsentTimeout = TimeSpan.FromSeconds(30);

    /// <summary>RFC 7675 §5.1: the mean interval between consent checks; each interval is drawn uniformly between
    /// 0.8 and 1.2 times it (4 to 6 s).</summary>
    public static readonly TimeSpan ConsentInterval = TimeSpan.FromSeconds(5);

    /// <summary>RFC 8445 §6.1.2.5: the check list holds at most this many pairs.</summary>
    public const int MaxCheckListSize = 100;

    /// <summary>RFC 8445 §5.1.2.1 priority of our host base: type preference 126 (§5.1.2.2), local preference
    /// 65535, component 1. G in the pair priority (§6.1.2.3).</summary>
    public const uint HostCandidatePriority = (126u << 24) | (65535u << 8) | (256 - ComponentId);

    /// <summary>RFC 8445 §7.1.1: PRIORITY carries the priority a peer-reflexive candidate learnt from the check would
    /// have: type preference 110 (§5.1.2.2), the base's local preference and component.</summary>
    public const uint PeerReflexivePriority = (110u << 24) | (65535u << 8) | (256 - ComponentId);

    private const int ComponentId = 1;                        // RFC 5761 rtcp-mux + RFC 8843 BUNDLE: one component
    // RFC 7675 §5.1: a consent check is sent once, and an answer to any sent in the last 30 s counts. At most
    // 30 s / 4 s = 7.5 checks are that recent, so the last 8 ids are kept.
    private const int ConsentHistory = 8;
    private const int ConsentJitterSteps = 1000;

    private static readonly TimeSpan Never = TimeSpan.MaxValue;
    private static readonly TimerCallback TimerFired = static state => ((IceControllingAgent)state!).OnTimer();

    // Passed by argument
    private readonly IceDatagramSender _send;
    private readonly IceControllingAgentOptions _options;
    private readonly TimeProvider _timeProvider;

    // Allocated by this; everything mutable is guarded by _lock.
    private readonly Lock _lock = new();
    private readonly ITimer _timer;                           // Owned
    private readonly long _startTimestamp;
    private readonly byte[] _username;
    private readonly byte[] _requestBuffer;
    private readonly byte[] _consentTransactionIds = new byte[ConsentHistory * StunMessage.TransactionIdLength];
    private readonly TimeSpan[] _consentSentAt = new TimeSpan[ConsentHistory];
    private readonly TaskCompletionSource<IceTransportAddress> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IceCandidatePair[] _checkList = [];
    private volatile IceConnectionState _state;
    private IceCandidatePair? _pendingNomination;             // RFC 8445 §6.1.4.1 triggered-check queue: only nominations are queued
    private IceCandidatePair? _nominating;
    private IceCandidatePair? _selected;
    private TimeSpan _nextCheckAt;
    private TimeSpan _nextConsentCheckAt;
    private TimeSpan _consentExpiresAt;
    private int _consentChecksSent;
    private long _handlerFaults;
    private bool _connectStarted;
    private bool _cancelled;
    private CancellationToken _connectToken;
    private CancellationTokenRegistration _cancellation;
    private IceConnectionFailure _failure;
    private string _failureMessage = "";
    private int _pairsTimedOut;
    private int _pairsRejected;
    private int _pairsUnreachable;

    /// <summary>Creates an agent; nothing is sent before <see cref="ConnectAsync"/>.</summary>
    /// <param name="localCredentials">Ours, announced in our SDP offer.</param>
    /// <param name="remoteCredentials">The peer's ice-ufrag and ice-pwd from its SDP answer (same RFC 8839 grammar).</param>
    /// <param name="send">Sends our requests; see <see cref="IceDatagramSender"/>.</param>
    /// <param name="options">Check timing; defaults if null.</param>
    /// <param name="timeProvider">Clock and timers; <see cref="TimeProvider.System"/> if null.</param>
    /// <param name="tieBreaker">ICE-CONTROLLING's tie-breaker (RFC 8445 §16.1); 64 random bits if null.</param>
    public IceControllingAgent(IceCredentials localCredentials, IceCredentials remoteCredentials, IceDatagramSender send,
        IceControllingAgentOptions? options = null, TimeProvider? timeProvider = null, ulong? tieBreaker = null)
    {
        ArgumentNullException.ThrowIfNull(localCredentials);
        ArgumentNullException.ThrowIfNull(remoteCredentials);
        ArgumentNullException.ThrowIfNull(send);
        _options = options ?? new IceControllingAgentOptions();
        _options.Validate();
        LocalCredentials = localCredentials;
        RemoteCredentials = remoteCredentials;
        _send = send;
        _timeProvider = timeProvider ?? TimeProvider.System;
        TieBreaker = tieBreaker ?? RandomTieBreaker();
        // RFC 8445 §7.2.2: USERNAME = "<remote ufrag>:<local ufrag>".
        _username = Encoding.ASCII.GetBytes(remoteCredentials.Ufrag + ":" + localCredentials.Ufrag);
        _requestBuffer = new byte[GetRequestLength(_username.Length)];
        _startTimestamp = _timeProvider.GetTimestamp();
        _timer = _timeProvider.CreateTimer(TimerFired, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised after every state change, with the state reached (a change made and undone within one
    /// step is not reported). Called on whichever thread made the change (the receive loop, a timer, the caller of
    /// <see cref="Dispose"/>), before <see cref="ConnectAsync"/>'s task completes; exceptions thrown by a handler
    /// are swallowed so they cannot stop a timer or the receive loop.</summary>
    public event EventHandler<IceConnectionState>? StateChanged;

    /// <summary>Exceptions thrown by <see cref="StateChanged"/> handlers: caught (they must not stop the agent) and
    /// counted here.</summary>
    public long StateHandlerFaults => Interlocked.Read(ref _handlerFaults);

    /// <summary>Our credentials.</summary>
    public IceCredentials LocalCredentials { get; }

    /// <summary>The peer's credentials: its ufrag goes into USERNAME, its password keys MESSAGE-INTEGRITY both ways.</summary>
    public IceCredentials RemoteCredentials { get; }

    /// <summary>The ICE-CONTROLLING tie-breaker.</summary>
    public ulong TieBreaker { get; }

    /// <summary>The current state.</summary>
    public IceConnectionState State => _state;

    /// <summary>The selected pair, once nominated: the peer's address, and ours as the peer saw it
    /// (XOR-MAPPED-ADDRESS; differs from the socket's address behind NAT). Stays set after consent is lost.</summary>
    public bool TryGetSelectedPair(out IceTransportAddress remote, out IceTransportAddress mapped)
    {
        lock (_lock)
        {
            remote = _selected?.Remote ?? default;
            mapped = _selected?.MappedAddress ?? default;
            return _selected is not null;
        }
    }

    /// <summary>Starts the checks against <paramref name="remoteCandidates"/> (UDP candidates of component 1 with an
    /// IP address; the others are ignored) and completes with the selected remote address. Callable once.</summary>
    /// <exception cref="IceConnectionException">(in the task) No usable candidate, every pair failed, or disposed.</exception>
    /// <exception cref="OperationCanceledException">(in the task) <paramref name="cancellationToken"/> fired first;
    /// the agent is then <see cref="IceConnectionState.Closed"/>.</exception>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    public Task<IceTransportAddress> ConnectAsync(IReadOnlyList<IceCandidate> remoteCandidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteCandidates);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<IceTransportAddress>(cancellationToken);
        IceCandidatePair[] checkList = CreateCheckList(remoteCandidates);
        IceConnectionState reached;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_state == IceConnectionState.Closed, this);
            if (_connectStarted) throw new InvalidOperationException("ConnectAsync runs once per agent; create a new agent to connect again.");
            _connectStarted = true;
            _checkList = checkList;
            if (checkList.Length == 0)
            {
                Fail(IceConnectionFailure.NoUsableCandidates,
                    $"none of the {remoteCandidates.Count} remote candidate(s) is a UDP candidate of component 1 with an IP address.");
            }
            else
            {
                _state = IceConnectionState.Checking;
                TimeSpan now = Now;
                _nextCheckAt = now;
                StartNextCheck(now);
                Reschedule(now);
                if (_state == IceConnectionState.Checking && cancellationToken.CanBeCanceled)
                {
                    _connectToken = cancellationToken;
                    // Cancel on the thread pool: a token cancelled right now would otherwise run it inside this lock.
                    _cancellation = cancellationToken.UnsafeRegister(
                        static state => ThreadPool.UnsafeQueueUserWorkItem(static agent => agent.OnCancelled(), (IceControllingAgent)state!, preferLocal: false),
                        this);
                }
            }
            reached = _state;
        }
        Publish(reached);
        return _connected.Task;
    }

    /// <summary>Handles one datagram already classified as STUN (RFC 7983) that arrived from <paramref name="from"/>.
    /// Never throws, never allocates.</summary>
    public IceResponseStatus HandleStun(ReadOnlySpan<byte> datagram, in IceTransportAddress from)
    {
        if (StunMessage.TryRead(datagram, out StunMessage message) != StunParseStatus.Ok) return IceResponseStatus.Malformed;
        if (message.Method != StunMessageType.BindingMethod
            || message.Class is not (StunMessageClass.SuccessResponse or StunMessageClass.ErrorResponse))
        {
            return IceResponseStatus.NotBindingResponse;                                              // RFC 8445 §2.5: a lite peer sends no checks
        }
        IceConnectionState before, after;
        IceResponseStatus status;
        lock (_lock)
        {
            before = _state;
            status = HandleResponse(message, from);
            after = _state;
        }
        if (after != before) Publish(after);
        return status;
    }

    /// <summary>Stops every check and timer; a pending <see cref="ConnectAsync"/> fails with
    /// <see cref="IceConnectionFailure.Closed"/>. Idempotent.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_state == IceConnectionState.Closed) return;
            Stop(IceConnectionState.Closed);
        }
        Publish(IceConnectionState.Closed);
    }

    private TimeSpan Now => _timeProvider.GetElapsedTime(_startTimestamp);

    private IceResponseStatus HandleResponse(StunMessage message, in IceTransportAddress from)
    {
        IceCandidatePair? pair = FindCheck(message.TransactionId);
        int consentSlot = pair is null ? FindConsentCheck(message.TransactionId) : -1;
        if (pair is null && consentSlot < 0) return IceResponseStatus.UnknownTransaction;

        // RFC 8445 §7.3: ICE responses carry FINGERPRINT; one without a valid one is not ours.
        switch (message.VerifyFingerprint())
        {
            case StunIntegrityStatus.Missing: return IceResponseStatus.MissingFingerprint;
            case StunIntegrityStatus.Mismatch: return IceResponseStatus.BadFingerprint;
        }
        // RFC 8489 §9.1.4 + RFC 8445 §7.2.5: the response is keyed with the password the request used (the
        // peer's); without a valid MESSAGE-INTEGRITY it is discarded as if never received.
        if (message.VerifyMessageIntegrity(RemoteCredentials.PasswordKey) != StunIntegrityStatus.Ok)
        {
            return IceResponseStatus.BadMessageIntegrity;
        }
        return pair is not null ? CompleteCheck(pair, message, from) : CompleteConsentCheck(consentSlot, message, from);
    }

    private IceResponseStatus CompleteCheck(IceCandidatePair pair, StunMessage message, in IceTransportAddress from)
    {
        TimeSpan now = Now;
        pair.HasTransaction = false;
        IceResponseStatus status = IceResponseStatus.Success;
        if (from != pair.Remote)
        {
            status = IceResponseStatus.Asymmetric;                                                    // RFC 8445 §7.2.5.2.1
        }
        else if (message.Class == StunMessageClass.ErrorResponse)
        {
            status = IceResponseStatus.ErrorResponse;                                                 // RFC 8445 §7.2.5.2.4; 487: see class doc
        }
        else
        {
            Span<byte> address = stackalloc byte[16];
            if (message.TryGetXorMappedAddress(address, out int addressLength, out ushort port)
                && IceTransportAddress.TryCreate(address[..addressLength], port, out IceTransportAddress mapped))
            {
                pair.MappedAddress = mapped;                                                          // RFC 8445 §7.2.5.3.1
            }
            else
            {
                status = IceResponseStatus.MissingMappedAddress;
            }
        }

        if (status != IceResponseStatus.Success)
        {
            _pairsRejected++;
            FailPair(pair);
        }
        else if (pair.UseCandidate)
        {
            Select(pair, now);                                                                        // RFC 8445 §8.1.1
        }
        else
        {
            // RFC 8445 §7.2.5.3.2-3: the pair is valid, and Frozen pairs of its foundation may now be checked.
            pair.State = IceCandidatePairState.Succeeded;
            foreach (IceCandidatePair other in _checkList)
            {
                if (other.State == IceCandidatePairState.Frozen && other.Foundation == pair.Foundation) other.State = IceCandidatePairState.Waiting;
            }
            // RFC 8445 §8.1.1: repeat the check that made the first valid pair, with USE-CANDIDATE, as a triggered check.
            if (_nominating is null && _pendingNomination is null) _pendingNomination = pair;
        }
        Reschedule(now);
        return status;
    }

    private IceResponseStatus CompleteConsentCheck(int slot, StunMessage message, in IceTransportAddress from)
    {
        if (from != _selected!.Remote) return IceResponseStatus.Asymmetric;                           // RFC 7675 §5.1: consent is per 5-tuple
        if (message.Class == StunMessageClass.ErrorResponse) return IceResponseStatus.ErrorResponse;
        // RFC 7675 §5.1: consent lasts 30 s from the sending of a check that was answered.
        TimeSpan expires = _consentSentAt[slot] + ConsentTimeout;
        if (expires > _consentExpiresAt) _consentExpiresAt = expires;
        return IceResponseStatus.Success;
    }

    private IceCandidatePair? FindCheck(ReadOnlySpan<byte> transactionId)
    {
        if (_state != IceConnectionState.Checking) return null;
        foreach (IceCandidatePair pair in _checkList)
        {
            if (pair.HasTransaction && transactionId.SequenceEqual(pair.TransactionId)) return pair;
        }
        return null;
    }

    private int FindConsentCheck(ReadOnlySpan<byte> transactionId)
    {
        if (_state != IceConnectionState.Connected) return -1;
        int count = Math.Min(_consentChecksSent, ConsentHistory);
        for (int slot = 0; slot < count; slot++)
        {
            if (transactionId.SequenceEqual(ConsentTransactionId(slot))) return slot;
        }
        return -1;
    }

    private Span<byte> ConsentTransactionId(int slot) =>
        _consentTransactionIds.AsSpan(slot * StunMessage.TransactionIdLength, StunMessage.TransactionIdLength);

    private void OnTimer()
    {
        IceConnectionState before, after;
        lock (_lock)
        {
            before = _state;
            TimeSpan now = Now;
            if (before == IceConnectionState.Checking)
            {
                RunChecks(now);
            }
            else if (before == IceConnectionState.Connected)
            {
                RunConsent(now);
            }
            else
            {
                return;
            }
            Reschedule(now);
            after = _state;
        }
        if (after != before) Publish(after);
    }

    private void OnCancelled()
    {
        lock (_lock)
        {
            if (_state != IceConnectionState.Checking) return;
            _cancelled = true;
            Stop(IceConnectionState.Closed);
        }
        Publish(IceConnectionState.Closed);
    }

    private void RunChecks(TimeSpan now)
    {
        foreach (IceCandidatePair pair in _checkList)
        {
            if (_state != IceConnectionState.Checking) return;                                        // the last pair failed
            if (!pair.HasTransaction || now < pair.NextTransmissionAt) continue;
            if (pair.Transmissions >= _options.MaxTransmissions)
            {
                _pairsTimedOut++;                                                                     // RFC 8489 §6.2.1, RFC 8445 §7.2.5.2.3
                FailPair(pair);
                continue;
            }
            // RFC 8489 §6.2.1: retransmit the same request (same transaction id) with the RTO doubled.
            TimeSpan doubled = pair.RetransmissionTimeout * 2;
            TimeSpan cap = _options.MaxRetransmissionTimeout > pair.RetransmissionTimeout ? _options.MaxRetransmissionTimeout : pair.RetransmissionTimeout;
            pair.RetransmissionTimeout = doubled < cap ? doubled : cap;
            pair.Transmissions++;
            pair.NextTransmissionAt = now + pair.RetransmissionTimeout;
            if (!Transmit(pair))
            {
                _pairsUnreachable++;
                FailPair(pair);
            }
        }
        if (_state == IceConnectionState.Checking && now >= _nextCheckAt) StartNextCheck(now);
    }

    /// <summary>RFC 8445 §6.1.4.2: one new check per Ta, the triggered-check queue first.</summary>
    private void StartNextCheck(TimeSpan now)
    {
        IceCandidatePair? pair = _pendingNomination;
        if (pair is not null)
        {
            _pendingNomination = null;
            _nominating = pair;
        }
        else
        {
            pair = NextOrdinaryCheck();
            if (pair is null) return;
            pair.State = IceCandidatePairState.InProgress;
        }
        RandomNumberGenerator.Fill(pair.TransactionId);                                               // RFC 8489 §6: cryptographically random
        pair.HasTransaction = true;
        pair.UseCandidate = ReferenceEquals(pair, _nominating);
        pair.Transmissions = 1;
        pair.FirstSentAt = now;
        // RFC 8445 §14.3: RTO = MAX(500 ms, Ta × (Num-Waiting + Num-In-Progress)).
        TimeSpan paced = _options.CheckInterval * CountWaitingOrInProgress();
        pair.RetransmissionTimeout = paced > _options.InitialRetransmissionTimeout ? paced : _options.InitialRetransmissionTimeout;
        pair.NextTransmissionAt = now + pair.RetransmissionTimeout;
        _nextCheckAt = now + _options.CheckInterval;                                                  // RFC 8445 §14.2
        if (!Transmit(pair))
        {
            _pairsUnreachable++;
            FailPair(pair);
        }
    }

    private IceCandidatePair? NextOrdinaryCheck()
    {
        IceCandidatePair? waiting = BestInState(IceCandidatePairState.Waiting);
        if (waiting is not null) return waiting;
        // RFC 8445 §6.1.4.2: with nothing Waiting, each foundation that has no Waiting or In-Progress pair gets its
        // best Frozen pair unfrozen (the list is in priority order, so the first one found is the best).
        foreach (IceCandidatePair pair in _checkList)
        {
            if (pair.State == IceCandidatePairState.Frozen && !IsFoundationActive(pair.Foundation)) pair.State = IceCandidatePairState.Waiting;
        }
        return BestInState(IceCandidatePairState.Waiting);
    }

    private bool HasCheckToStart()
    {
        if (_pendingNomination is not null) return true;
        foreach (IceCandidatePair pair in _checkList)
        {
            if (pair.State == IceCandidatePairState.Waiting) return true;
            if (pair.State == IceCandidatePairState.Frozen && !IsFoundationActive(pair.Foundation)) return true;
        }
        return false;
    }

    private bool IsFoundationActive(string foundation)
    {
        foreach (IceCandidatePair pair in _checkList)
        {
            if ((pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress) && pair.Foundation == foundation) return true;
        }
        return false;
    }

    private IceCandidatePair? BestInState(IceCandidatePairState state)
    {
        foreach (IceCandidatePair pair in _checkList)
        {
            if (pair.State == state) return pair;
        }
        return null;
    }

    private int CountWaitingOrInProgress()
    {
        int count = 0;
        foreach (IceCandidatePair pair in _checkList)
        {
            if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress) count++;
        }
        return count;
    }

    private void FailPair(IceCandidatePair pair)
    {
        pair.State = IceCandidatePairState.Failed;
        pair.HasTransaction = false;
        if (ReferenceEquals(pair, _nominating)) _nominating = null;
        // RFC 8445 §8.1.1: a failed nomination leaves the choice to the next valid pair, if any.
        if (_nominating is null && _pendingNomination is null) _pendingNomination = BestInState(IceCandidatePairState.Succeeded);
        if (_nominating is not null || _pendingNomination is not null) return;
        foreach (IceCandidatePair other in _checkList)
        {
            if (other.State is IceCandidatePairState.Frozen or IceCandidatePairState.Waiting or IceCandidatePairState.InProgress) return;
        }
        Fail(IceConnectionFailure.ChecksFailed, string.Create(CultureInfo.InvariantCulture,
            $"none of the {_checkList.Length} candidate pair(s) to {FormatRemotes()} succeeded: {_pairsTimedOut} timed out " +
            $"(the peer does not know our ufrag, the password is wrong, or it is unreachable), {_pairsRejected} rejected, " +
            $"{_pairsUnreachable} unreachable from the local socket."));
    }

    private string FormatRemotes()
    {
        var remotes = new string[_checkList.Length];
        for (int i = 0; i < remotes.Length; i++) remotes[i] = _checkList[i].Remote.ToString();
        return string.Join(", ", remotes);
    }

    private void Select(IceCandidatePair pair, TimeSpan now)
    {
        _selected = pair;
        // RFC 8445 §8.1.2: ICE processing is over for the only component: no further checks or retransmissions.
        foreach (IceCandidatePair other in _checkList) other.HasTransaction = false;
        _pendingNomination = null;
        _nominating = null;
        _cancellation.Unregister();
        _state = IceConnectionState.Connected;
        // RFC 7675 §5.1: ICE gives the initial consent, counted from the nominating check's first transmission.
        _consentExpiresAt = pair.FirstSentAt + ConsentTimeout;
        _nextConsentCheckAt = now + NextConsentInterval();
    }

    private void RunConsent(TimeSpan now)
    {
        if (now >= _consentExpiresAt)
        {
            Stop(IceConnectionState.ConsentLost);                                                     // RFC 7675 §5.1: cease transmission
            return;
        }
        if (now < _nextConsentCheckAt) return;
        int slot = _consentChecksSent % ConsentHistory;
        Span<byte> transactionId = ConsentTransactionId(slot);
        RandomNumberGenerator.Fill(transactionId);                                                    // RFC 7675 §5.1: new, unguessable id per check
        _consentSentAt[slot] = now;
        _consentChecksSent++;
        TransmitRequest(_selected!.Remote, transactionId, useCandidate: false);                       // RFC 7675 §5.1: sent once, never retransmitted
        _nextConsentCheckAt = now + NextConsentInterval();
    }

    private static TimeSpan NextConsentInterval() =>
        ConsentInterval * (0.8 + 0.4 * RandomNumberGenerator.GetInt32(ConsentJitterSteps + 1) / ConsentJitterSteps);

    private void Fail(IceConnectionFailure failure, string message)
    {
        _failure = failure;
        _failureMessage = message;
        Stop(IceConnectionState.Failed);
    }

    private void Stop(IceConnectionState final)
    {
        _state = final;
        foreach (IceCandidatePair pair in _checkList) pair.HasTransaction = false;
        _pendingNomination = null;
        _nominating = null;
        _cancellation.Unregister();
        if (final == IceConnectionState.Closed)
        {
            _timer.Dispose();
        }
        else
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Arms the one timer for the earliest thing due: a retransmission or timeout, the next paced check
    /// (only if there is one to start), the next consent check, or consent expiry.</summary>
    private void Reschedule(TimeSpan now)
    {
        TimeSpan next = Never;
        if (_state == IceConnectionState.Checking)
        {
            foreach (IceCandidatePair pair in _checkList)
            {
                if (pair.HasTransaction && pair.NextTransmissionAt < next) next = pair.NextTransmissionAt;
            }
            if (_nextCheckAt < next && HasCheckToStart()) next = _nextCheckAt;
        }
        else if (_state == IceConnectionState.Connected)
        {
            next = _nextConsentCheckAt < _consentExpiresAt ? _nextConsentCheckAt : _consentExpiresAt;
        }
        else
        {
            return;                                                                                   // Stop already disarmed it
        }
        TimeSpan due = next == Never ? Timeout.InfiniteTimeSpan : next > now ? next - now : TimeSpan.Zero;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Announces a state reached (outside the lock), then completes <see cref="ConnectAsync"/>'s task, so a
    /// <see cref="StateChanged"/> handler sees the change before the awaiting code runs.</summary>
    private void Publish(IceConnectionState state)
    {
        if (state == IceConnectionState.New) return;
        try
        {
            StateChanged?.Invoke(this, state);
        }
#pragma warning disable CA1031 // A faulty handler must not stop a timer, the receive loop or the completion below.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _handlerFaults);                                                // counted, never silent
        }
        if (!_connectStarted) return;
        switch (state)
        {
            case IceConnectionState.Connected:
                _connected.TrySetResult(_selected!.Remote);
                break;
            case IceConnectionState.Failed:
                _connected.TrySetException(new IceConnectionException(_failure, _failureMessage));
                break;
            case IceConnectionState.Closed when _cancelled:
                _connected.TrySetCanceled(_connectToken);
                break;
            case IceConnectionState.Closed:
                _connected.TrySetException(new IceConnectionException(IceConnectionFailure.Closed, "the agent was disposed before a pair was selected."));
                break;
        }
    }

    private bool Transmit(IceCandidatePair pair) => TransmitRequest(pair.Remote, pair.TransactionId, pair.UseCandidate);

    /* RFC 8445 §7.2.2 + §7.1.1, Binding request of the controlling agent:
         header (0x0001, transaction id) | USERNAME "<remote ufrag>:<local ufrag>" | PRIORITY (peer-reflexive) |
         ICE-CONTROLLING (tie-breaker) | [USE-CANDIDATE] | MESSAGE-INTEGRITY (remote password) | FINGERPRINT */
    private bool TransmitRequest(in IceTransportAddress remote, ReadOnlySpan<byte> transactionId, bool useCandidate)
    {
        if (!StunMessageWriter.TryCreate(_requestBuffer, StunMessageType.BindingRequest, transactionId, out StunMessageWriter writer)
            || !writer.TryAppend(StunAttributeType.Username, _username)
            || !writer.TryAppendUInt32(StunAttributeType.Priority, PeerReflexivePriority)
            || !writer.TryAppendUInt64(StunAttributeType.IceControlling, TieBreaker)
            || (useCandidate && !writer.TryAppend(StunAttributeType.UseCandidate, default))
            || !writer.TryAppendMessageIntegrity(RemoteCredentials.PasswordKey)
            || !writer.TryAppendFingerprint())
        {
            return false;                                                                             // unreachable: the buffer fits the longest request
        }
        return _send(writer.Written, remote);
    }

    private static int GetRequestLength(int usernameLength) =>
        StunMessage.HeaderLength
        + StunMessage.AttributeHeaderLength + StunMessage.Pad4(usernameLength)                        // USERNAME
        + StunMessage.AttributeHeaderLength + 4                                                       // PRIORITY
        + StunMessage.AttributeHeaderLength + 8                                                       // ICE-CONTROLLING
        + StunMessage.AttributeHeaderLength                                                           // USE-CANDIDATE
        + StunMessage.AttributeHeaderLength + StunMessage.MessageIntegrityLength
        + StunMessage.AttributeHeaderLength + StunMessage.FingerprintLength;

    private static ulong RandomTieBreaker()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    /// <summary>RFC 8445 §6.1.2: pairs our one host base with every usable remote candidate, sorted by pair
    /// priority (§6.1.2.3), pruned (§6.1.2.4), limited (§6.1.2.5), with initial states set (§6.1.2.6).</summary>
    private static IceCandidatePair[] CreateCheckList(IReadOnlyList<IceCandidate> candidates)
    {
        var pairs = new List<IceCandidatePair>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            IceCandidate candidate = candidates[i];
            ArgumentNullException.ThrowIfNull(candidate, nameof(candidates));
            if (!TryGetRemoteAddress(candidate, out IceTransportAddress remote)) continue;
            pairs.Add(new IceCandidatePair(remote, candidate.Foundation, IceCandidatePair.ComputePriority(HostCandidatePriority, candidate.Priority)));
        }
        // Stable: equal priorities keep the answer's order.
        IceCandidatePair[] sorted = [.. pairs.OrderByDescending(pair => pair.Priority)];

        var checkList = new List<IceCandidatePair>(Math.Min(sorted.Length, MaxCheckListSize));
        foreach (IceCandidatePair pair in sorted)
        {
            if (checkList.Count == MaxCheckListSize) break;                                           // §6.1.2.5: lowest priorities dropped
            if (checkList.Exists(kept => kept.Remote == pair.Remote)) continue;                       // §6.1.2.4: same base and remote
            // §6.1.2.6: the best pair of each foundation starts Waiting, the rest Frozen.
            if (!checkList.Exists(kept => kept.Foundation == pair.Foundation)) pair.State = IceCandidatePairState.Waiting;
            checkList.Add(pair);
        }
        return [.. checkList];
    }

    private static bool TryGetRemoteAddress(IceCandidate candidate, out IceTransportAddress remote)
    {
        remote = default;
        if (candidate.Component != ComponentId) return false;                                        // rtcp-mux: RTCP shares component 1
        if (!string.Equals(candidate.Transport, "udp", StringComparison.OrdinalIgnoreCase)) return false; // RFC 6544 TCP candidates: not supported
        // FQDN and mDNS (.local) names are not resolved here; a server answers with IP addresses.
        if (!IPAddress.TryParse(candidate.Address, out IPAddress? address) || candidate.Port is < 1 or > IPEndPoint.MaxPort) return false;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        remote = IceTransportAddress.FromIPEndPoint(new IPEndPoint(address, candidate.Port));
        return true;
    }
}
