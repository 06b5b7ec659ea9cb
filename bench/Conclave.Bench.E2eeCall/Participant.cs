using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Conclave.Client;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;
using Conclave.E2ee.SFrame;
using Conclave.Signaling.Protocol;

namespace Conclave.Bench.E2eeCall;

/// <summary>
/// One .NET participant as the call page is one: its own device identity (public keys registered before it joins), a
/// signaling connection, the roster from <c>joined</c> and the roster events, a signed join statement sent with
/// <c>membership</c> right after <c>joined</c>, and a <see cref="CallKeys"/> fed with every roster change and every
/// <c>e2ee</c> event, whose keys go into a real SFrame sender and receiver. Roster changes and <c>e2ee</c> events are
/// handed from the signaling reader to a queue of their own, worked in order, never awaited on the reader.
/// </summary>
internal sealed class Participant : IAsyncDisposable
{
    private readonly Channel<Func<Task>> _work = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RosterTracker _roster = new();                  // guarded by itself: the reader writes, LeaveAsync reads
    private readonly FrameKeys _frames = new();
    private readonly Action _epochChanged;
    private SignalingClient? _client;
    private Task? _reader;
    private Task? _worker;
    private long _sendingEpoch = -1;                                 // as last seen by the Changed handler
    private long _epochChangedAt;                                    // Stopwatch timestamp of that change
    private long _requests, _failedRequests, _serverDelivered, _serverUndelivered;
    private string? _failure;
    private string? _callId;
    private int _disposed;

    /// <param name="withoutXWing">An identity of signing and X25519 keys only, as one made before X-Wing: it registers
    /// version-1 public keys, so it is sent DHKEM(X25519) wraps.</param>
    public Participant(string name, string token, bool withoutXWing, Action epochChanged)
    {
        Name = name;
        Token = token;
        Identity = withoutXWing ? WithoutXWing() : DeviceIdentity.Generate();
        _epochChanged = epochChanged;
        Keys = new CallKeys(Identity, new SignalingTransport(this), _frames);
        Keys.Changed += (_, _) => OnKeysChanged();
    }

    public string Name { get; }
    public string Token { get; }
    public DeviceIdentity Identity { get; }
    public CallKeys Keys { get; }
    public string? SessionId { get; private set; }
    public long JoinVersion { get; private set; } = -1;

    /// <summary>The epoch this participant encrypts with (-1: none yet), and when it last changed (Stopwatch timestamp).</summary>
    public (long Epoch, long ChangedAt) Sending => (Interlocked.Read(ref _sendingEpoch), Interlocked.Read(ref _epochChangedAt));

    /// <summary>This participant's e2ee-send requests made, failed, and the server's count of entries it delivered and did not.</summary>
    public (long Requests, long Failed, long Delivered, long Undelivered) Transport =>
        (Interlocked.Read(ref _requests), Interlocked.Read(ref _failedRequests), Interlocked.Read(ref _serverDelivered), Interlocked.Read(ref _serverUndelivered));

    /// <summary>The first error of the key queue, if any (the run reports it).</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Connects and says hello; not part of any timed interval.</summary>
    public async Task ConnectAsync(Uri server, CancellationToken cancellationToken)
    {
        _client = new SignalingClient();
        await _client.ConnectAsync(server, Token, resume: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <c>join</c>; once <c>joined</c> is read, starts following the roster and sends the signed join
    /// statement. Returns when <c>join</c> was sent and when <c>joined</c> was read (Stopwatch timestamps); the
    /// statement is sent before returning.</summary>
    public async Task<(long JoinSent, long Joined)> JoinAsync(string room, CancellationToken cancellationToken)
    {
        SignalingClient client = _client ?? throw new InvalidOperationException("not connected");
        long sent = Stopwatch.GetTimestamp();
        JoinedMessage joined = await client.JoinAsync(room, cancellationToken).ConfigureAwait(false);
        long received = Stopwatch.GetTimestamp();
        ParticipantInfo me = joined.Participants.Single(p => p.SessionId == joined.SessionId);
        SessionId = joined.SessionId;
        _callId = joined.CallId;
        JoinVersion = me.JoinVersion;
        lock (_roster) _roster.Apply(joined);
        Enqueue(() => Keys.SetCallAsync(joined.Room, joined.CallId, joined.SessionId));
        EnqueueRosterUpdate();
        _worker ??= Task.Run(WorkAsync, CancellationToken.None);
        _reader ??= Task.Run(ReadAsync, CancellationToken.None);

        // As the page does (join.js, announceMembership): a join statement over the signing keys it sees, for its join version.
        List<ReadOnlyMemory<byte>> seen = [.. joined.Participants
            .Select(p => DevicePublicKeys.TryRead(p.DevicePublicKeys, out DevicePublicKeys? keys) ? keys!.SigningPublicKey : ReadOnlyMemory<byte>.Empty)
            .Where(k => !k.IsEmpty)];
        byte[] statement = SignedRoster.Sign(Identity, MembershipKind.Join, joined.Room, joined.CallId, joined.SessionId, me.JoinVersion, seen);
        await client.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = statement }, cancellationToken).ConfigureAwait(false);
        return (sent, received);
    }

    /// <summary>Sends <c>leave</c> with a signed leave statement (as the page does) and forgets the call's keys. Returns when
    /// <c>leave</c> was about to be sent (Stopwatch timestamp).</summary>
    public async Task<long> LeaveAsync(CancellationToken cancellationToken)
    {
        SignalingClient client = _client ?? throw new InvalidOperationException("not connected");
        long rosterVersion;
        string room;
        lock (_roster)
        {
            rosterVersion = _roster.RosterVersion;
            room = _roster.Room ?? throw new InvalidOperationException("not in a call");
        }
        string call = _callId ?? throw new InvalidOperationException("not in a call");
        byte[] statement = SignedRoster.Sign(Identity, MembershipKind.Leave, room, call, SessionId!, rosterVersion, Keys.SignedKeys);
        long sent = Stopwatch.GetTimestamp();
        await client.RequestAsync<LeftMessage>(new LeaveMessage { Statement = statement }, cancellationToken).ConfigureAwait(false);
        Enqueue(Keys.CloseAsync);
        return sent;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_client is { } client)
        {
            try
            {
                if (client.IsOpen) await client.CloseAsync(CloseCodes.Normal, "bench done").ConfigureAwait(false);
            }
            catch (Exception e) when (e is SignalingException or TimeoutException)
            {
                // best effort: disposal ends the connection anyway
            }
            await client.DisposeAsync().ConfigureAwait(false);
        }
        if (_reader is { } reader) await reader.ConfigureAwait(false);
        _work.Writer.TryComplete();
        if (_worker is { } worker) await worker.ConfigureAwait(false);
        await Keys.DisposeAsync().ConfigureAwait(false);
        _frames.Dispose();
        Identity.Dispose();
    }

    private static DeviceIdentity WithoutXWing()
    {
        byte[] signing = RandomNumberGenerator.GetBytes(DeviceIdentity.PrivateKeyLength);
        byte[] agreement = RandomNumberGenerator.GetBytes(DeviceIdentity.PrivateKeyLength);
        try
        {
            return DeviceIdentity.FromPrivateKeys(signing, agreement);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(agreement);
        }
    }

    private void Enqueue(Func<Task> work) => _work.Writer.TryWrite(work);

    private void EnqueueRosterUpdate()
    {
        RosterMember[] members;
        lock (_roster)
        {
            members = [.. _roster.Participants.Values.Select(p => new RosterMember(p.SessionId, p.JoinVersion, p.DevicePublicKeys, p.Membership))];
        }
        Enqueue(() => Keys.UpdateRosterAsync(members));
    }

    /// <summary>The signaling reader's side: roster events update the roster, <c>e2ee</c> events are handed over.</summary>
    private async Task ReadAsync()
    {
        SignalingClient client = _client!;
        await foreach (SignalMessage message in client.Events.ReadAllAsync().ConfigureAwait(false))
        {
            if (message is E2eeEvent e2ee)
            {
                Enqueue(() => Keys.ReceiveAsync(e2ee.From, e2ee.Data));
                continue;
            }
            bool changed;
            lock (_roster) changed = _roster.Apply(message);
            if (changed) EnqueueRosterUpdate();
        }
    }

    private async Task WorkAsync()
    {
        await foreach (Func<Task> work in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, $"{Name}: {e.GetType().Name}: {e.Message}", null);
            }
        }
    }

    private void OnKeysChanged()
    {
        long epoch = Keys.SendingEpoch ?? -1;
        if (epoch == Interlocked.Read(ref _sendingEpoch)) return;
        Interlocked.Exchange(ref _epochChangedAt, Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _sendingEpoch, epoch);
        _epochChanged();
    }

    /// <summary><see cref="CallKeys"/>' transport: one <c>e2ee-send</c> request per batch, on this participant's connection.</summary>
    private sealed class SignalingTransport(Participant owner) : ICallKeyTransport
    {
        public async Task SendAsync(IReadOnlyList<CallKeyMessage> messages, CancellationToken cancellationToken)
        {
            SignalingClient client = owner._client ?? throw new InvalidOperationException("not connected");
            Interlocked.Increment(ref owner._requests);
            try
            {
                E2eeSentMessage sent = await client.RequestAsync<E2eeSentMessage>(
                    new E2eeSendMessage { Messages = [.. messages.Select(m => new E2eeOutgoing(m.To, m.Data))] }, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref owner._serverDelivered, sent.Delivered);
                Interlocked.Add(ref owner._serverUndelivered, sent.Undelivered.Count);
            }
            catch
            {
                Interlocked.Increment(ref owner._failedRequests);
                throw;
            }
        }
    }

    /// <summary>Where the keys go: the SFrame sender of this participant's frames and the receiver of everyone else's.</summary>
    private sealed class FrameKeys : ICallKeySink, IDisposable
    {
        private readonly SFrameSender _sender = new();
        private readonly SFrameReceiver _receiver = new();

        public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey) => _sender.SetKey(new SFrameKeyId(kid), baseKey);

        public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey) => _receiver.AddKey(new SFrameKeyId(kid), baseKey);

        public void Dispose()
        {
            _sender.Dispose();
            _receiver.Dispose();
        }
    }
}
