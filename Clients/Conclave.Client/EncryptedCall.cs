using System.Threading.Channels;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;
using Conclave.Signaling.Protocol;

namespace Conclave.Client;

/// <summary>
/// This device in an end-to-end encrypted call (docs/e2ee.md), as the call page is: it joins, signs its membership
/// statement, and keeps a <see cref="CallKeys"/> fed with the roster and the key messages that signaling relays, so
/// <paramref name="sink"/> always holds the keys to send and receive with. It reads <see cref="SignalingClient.Events"/>
/// itself and passes every event on, after handling it, to <see cref="Events"/>.
/// </summary>
public sealed class EncryptedCall : IAsyncDisposable
{
    private readonly SignalingClient _signaling;
    private readonly DeviceIdentity _identity;
    private readonly RosterTracker _roster = new();
    private readonly Channel<SignalMessage> _events = Channel.CreateUnbounded<SignalMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;

    private EncryptedCall(SignalingClient signaling, DeviceIdentity identity, ICallKeySink sink, TimeProvider? timeProvider)
    {
        _signaling = signaling;
        _identity = identity;
        Keys = new CallKeys(identity, new SignalingTransport(signaling), sink, timeProvider);
    }

    /// <summary>The call's keys: who is signed, the epoch this device sends with, message counts.</summary>
    public CallKeys Keys { get; }

    /// <summary>The <c>joined</c> reply.</summary>
    public JoinedMessage Joined { get; private set; } = null!;

    /// <summary>Every signaling event, after this call handled it (roster events and <c>e2ee</c> included).</summary>
    public ChannelReader<SignalMessage> Events => _events.Reader;

    /// <summary>
    /// Joins <paramref name="room"/>'s call on <paramref name="signaling"/> (connected, and with
    /// <paramref name="identity"/>'s public keys registered for its device) and announces this device's membership.
    /// </summary>
    public static async Task<EncryptedCall> JoinAsync(SignalingClient signaling, DeviceIdentity identity, string room, ICallKeySink sink,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signaling);
        ArgumentNullException.ThrowIfNull(identity);
        var call = new EncryptedCall(signaling, identity, sink, timeProvider);
        try
        {
            JoinedMessage joined = await signaling.JoinAsync(room, cancellationToken).ConfigureAwait(false);
            call.Joined = joined;
            await call.Keys.SetCallAsync(joined.Room, joined.CallId, joined.SessionId, cancellationToken).ConfigureAwait(false);
            await call.ApplyAsync(joined, cancellationToken).ConfigureAwait(false);
            // Events that overtook the reply wait in signaling's queue until now; those older than the roster are ignored.
            call._pump = Task.Run(call.PumpAsync, CancellationToken.None);
            ParticipantInfo me = joined.Participants.Single(p => p.SessionId == joined.SessionId);
            byte[] statement = SignedRoster.Sign(identity, MembershipKind.Join, joined.Room, joined.CallId, joined.SessionId, me.JoinVersion,
                [.. joined.Participants.Select(p => DevicePublicKeys.TryRead(p.DevicePublicKeys, out DevicePublicKeys? keys) ? keys!.SigningPublicKey : default)
                    .Where(k => k.Length > 0)]);
            await signaling.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = statement }, cancellationToken).ConfigureAwait(false);
            return call;
        }
        catch
        {
            await call.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Leaves the call with a signed leave statement and forgets every key.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken = default)
    {
        byte[] statement = SignedRoster.Sign(_identity, MembershipKind.Leave, Joined.Room, Joined.CallId, Joined.SessionId,
            Joined.RosterVersion, Keys.SignedKeys);
        await _signaling.RequestAsync<LeftMessage>(new LeaveMessage { Statement = statement }, cancellationToken).ConfigureAwait(false);
        await Keys.CloseAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await Keys.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Reads signaling's events: roster changes go to the keys, key messages to <see cref="CallKeys.ReceiveAsync"/>
    /// (which may send, and wait for the reply, so it must not run on signaling's own read loop).</summary>
    private async Task PumpAsync()
    {
        try
        {
            await foreach (SignalMessage message in _signaling.Events.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (message is E2eeEvent e2ee) await Keys.ReceiveAsync(e2ee.From, e2ee.Data, _stop.Token).ConfigureAwait(false);
                else await ApplyAsync(message, _stop.Token).ConfigureAwait(false);
                _events.Writer.TryWrite(message);
            }
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    private async Task ApplyAsync(SignalMessage message, CancellationToken cancellationToken)
    {
        bool changed;
        RosterMember[] members;
        lock (_roster)
        {
            changed = _roster.Apply(message);
            members = [.. _roster.Participants.Values.Select(p => new RosterMember(p.SessionId, p.JoinVersion, p.DevicePublicKeys, p.Membership))];
        }
        if (changed) await Keys.UpdateRosterAsync(members, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Key messages as <c>e2ee-send</c> requests.</summary>
    private sealed class SignalingTransport(SignalingClient signaling) : ICallKeyTransport
    {
        public Task SendAsync(IReadOnlyList<CallKeyMessage> messages, CancellationToken cancellationToken) =>
            signaling.RequestAsync<E2eeSentMessage>(
                new E2eeSendMessage { Messages = [.. messages.Select(m => new E2eeOutgoing(m.To, m.Data))] }, cancellationToken);
    }
}
