using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Calls;

/// <summary>
/// Key distribution in a call (docs/e2ee.md, "Key distribution" and "Rotation"), the same protocol and messages as the
/// browser's <c>Clients/web/e2ee/call-keys.js</c>. The signed roster's oldest member (lowest join version, then session
/// id, ordinal) leads: it makes each key epoch's secret (<see cref="EpochKeys"/>) and wraps it with HPKE base mode
/// (RFC 9180) to the members who need it; the server relays the messages without being able to open them. A member
/// whose registered keys include an X-Wing key (<see cref="DevicePublicKeys.HasXWing"/>) gets HPKE-X-Wing wraps
/// (<see cref="HpkeSuite.XWingSha256Aes128Gcm"/>, post-quantum hybrid), any other DHKEM(X25519) ones
/// (<see cref="HpkeSuite.X25519Sha256Aes128Gcm"/>).
/// <code>
///   join of N:  secret' = ratchet(secret); N gets a wrap of secret', the others a `ratchet` note   (the leader: 1 send)
///   leave of L: secret' = fresh random;    every remaining member gets a wrap of it                  (the leader: 1 send)
///   every member installs secret' for receiving at once and acks; once all acked (or after AckTimeout), the leader
///   says `use` and everyone sends with it: nobody sends with a key a member does not hold yet.
/// </code>
/// Messages (the <c>data</c> of <c>e2ee-send</c>): the JSON text of <c>{"body":text,"sig":b64}</c>, <c>sig</c> the
/// sender device's Ed25519 signature of <see cref="EpochKeys.MessageToSign"/> (room, call, sender, recipient, body),
/// <c>body</c> the JSON text of <c>{"k":"key","epoch":e,"kem":"x-wing","enc":b64,"ct":b64,"use":bool}</c> (<c>kem</c> absent
/// or <c>"x25519"</c>: DHKEM(X25519); any other value is refused) | <c>{"k":"ratchet","epoch":e}</c>
/// | <c>{"k":"use","epoch":e}</c> from the leader, or <c>{"k":"ack","epoch":e}</c> | <c>{"k":"need"}</c> to it. A message
/// whose signature does not verify under the signed roster's key of its sender is dropped: HPKE base mode does not say
/// who sealed a wrap, and the relay's <c>from</c> is the server's word. A member that cannot follow (a ratchet from an
/// epoch it lacks) says <c>need</c> and is sent the current secret. A wrap's HPKE info is <see cref="EpochKeys.WrapInfo"/>
/// (room, call, leader, recipient, epoch), its aad empty, its plaintext the 32-byte epoch secret.
/// </summary>
/// <remarks>
/// <para>Operations run one at a time, in call order (the ack timer's commit included). Do not wait for
/// <see cref="ReceiveAsync"/> on the loop that delivers the transport's replies: an operation may be waiting for one
/// inside <see cref="ICallKeyTransport.SendAsync"/>. Hand each <c>e2ee</c> event over and carry on, as the browser does.</para>
/// <para><see cref="ReceiveAsync"/> never throws on what peers or the server send: malformed JSON, wrong types, missing
/// or bad signatures, forged or misaddressed wraps are ignored. Messages from a session that is not yet signed here wait
/// (up to <see cref="MaxStashed"/>, as received, and are verified when handled), and so do messages, signed, from a
/// member that is not the leader this client sees, for the roster update that explains them.</para>
/// </remarks>
public sealed class CallKeys : IAsyncDisposable
{
    /// <summary>How long the leader waits for every member's ack before switching anyway.</summary>
    public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Epoch secrets kept (the one in use, the newest, and older ones for frames in flight).</summary>
    public const int KeptEpochs = 3;

    /// <summary>Messages kept while their sender is not yet the leader this client sees.</summary>
    public const int MaxStashed = 64;

    /// <summary>
    /// The most an <see cref="ICallKeyTransport.SendAsync"/> request carries, in characters, each message counted as
    /// <see cref="BatchedLength"/>: 48 KiB, so that the <c>e2ee-send</c> message (its JSON escaping and the rest) stays
    /// under signaling's 64 KiB. An X25519 wrap is about 250 characters, an X-Wing wrap about 1,800, a note about 150.
    /// </summary>
    public const int MaxBatchChars = 48 * 1024;

    /// <summary>The most messages in one request (signaling's limit: one per other participant of the largest call).</summary>
    public const int MaxBatchMessages = 500;

    /// <summary>What one message counts for in <see cref="MaxBatchChars"/>: its data, its recipient, and 16 for the rest
    /// of its <c>{"to":…,"data":…}</c> entry.</summary>
    public static int BatchedLength(CallKeyMessage message) => message.Data.Length + message.To.Length + 16;

    /// <summary>The value of <c>kem</c> in an X-Wing wrap.</summary>
    public const string XWingKemName = "x-wing";

    /// <summary>The value of <c>kem</c> in an X25519 wrap (which may also leave it out, as this endpoint does).</summary>
    public const string X25519KemName = "x25519";

    private const long MaxSafeInteger = (1L << 53) - 1;               // JavaScript's Number.MAX_SAFE_INTEGER
    // As JSON.stringify writes the envelope: `"` in the body as \", not \u0022 (both read the same).
    private static readonly JsonWriterOptions EnvelopeOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly DeviceIdentity _identity;                        // Borrowed
    private readonly ICallKeyTransport _transport;
    private readonly ICallKeySink _sink;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private Place? _call;
    private SignedSet _signed = SignedSet.Empty;                      // replaced, never changed, so readers need no lock
    private readonly Dictionary<string, Checked> _checked = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, byte[]> _secrets = [];   // epoch → secret
    private readonly Dictionary<(long Epoch, string Session), ReadOnlyMemory<byte>> _receiveKeys = [];   // → signing key used
    private long _sending = -1;                                       // the epoch this client sends with; -1: none yet
    private byte[]? _sendingSecret;                                   // the secret of _sending when this client took it
    private long _highestSeen = -1;                                   // the highest epoch any leader used
    private HashSet<string>? _members;                                // as leader: who was given the newest epoch; null: not leading
    private Pending? _pending;                                        // as leader: the epoch waiting for acks
    private List<(string From, string Data)> _stash = [];              // as received: verified when handled
    private long _sends, _wraps, _received;

    /// <summary>A protocol endpoint for this device.</summary>
    /// <param name="identity">This device's identity (borrowed: the caller disposes it after this object).</param>
    /// <param name="transport">Sends <c>e2ee-send</c> requests.</param>
    /// <param name="sink">Receives the SFrame keys.</param>
    /// <param name="timeProvider">The clock of the ack timeout; <see cref="TimeProvider.System"/> by default.</param>
    public CallKeys(DeviceIdentity identity, ICallKeyTransport transport, ICallKeySink sink, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(sink);
        _identity = identity;
        _transport = transport;
        _sink = sink;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Raised (inside an operation) when the signed roster, the sending epoch or the call changed.</summary>
    public event EventHandler? Changed;

    /// <summary>The epoch this device encrypts with, or null before it has one.</summary>
    public long? SendingEpoch
    {
        get
        {
            long sending = Interlocked.Read(ref _sending);
            return sending < 0 ? null : sending;
        }
    }

    /// <summary>The signing keys of the signed roster (this device included once signed), for the security code.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> SignedKeys => [.. Volatile.Read(ref _signed).InOrder.Select(m => m.Keys.SigningPublicKey)];

    /// <summary>What this endpoint sent and received so far.</summary>
    public CallKeyCounters Messages => new(Interlocked.Read(ref _sends), Interlocked.Read(ref _wraps), Interlocked.Read(ref _received));

    /// <summary>True if the participant's join statement holds (so it gets keys).</summary>
    public bool IsSigned(string sessionId) => sessionId is not null && Volatile.Read(ref _signed).ById.ContainsKey(sessionId);

    /// <summary>This device is in <paramref name="call"/> of <paramref name="room"/> as session <paramref name="me"/>; a new
    /// call or session forgets every key of the earlier one. Nothing happens if it is the same call and session.</summary>
    public Task SetCallAsync(string room, string call, string me, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(room);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(me);
        return SerialAsync(() =>
        {
            if (_call is not null && _call.Call == call && _call.Me == me) return Task.CompletedTask;
            Reset();
            _call = new Place(room, call, me);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>The server's roster changed: re-checks the statements that changed, installs receive keys for the signed
    /// members, then leads (a new epoch for a join or a leave) or follows.</summary>
    public Task UpdateRosterAsync(IReadOnlyList<RosterMember> participants, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(participants);
        RosterMember[] copy = [.. participants.Where(p => p?.SessionId is not null)];
        return SerialAsync(async () =>
        {
            if (_call is null) return;
            var byId = new Dictionary<string, SignedMember>(StringComparer.Ordinal);
            var inOrder = new List<SignedMember>();
            foreach (RosterMember p in copy)
            {
                if (!_checked.TryGetValue(p.SessionId, out Checked? checkedBefore) || !checkedBefore.Matches(p))
                {
                    checkedBefore = new Checked(p.JoinVersion, p.DevicePublicKeys.ToArray(), p.Membership.ToArray(), SignedRoster.Verify(p, _call.Room, _call.Call));
                    _checked[p.SessionId] = checkedBefore;
                }
                if (checkedBefore.Keys is null) continue;
                var member = new SignedMember(p.SessionId, checkedBefore.Keys, p.JoinVersion);
                int at = inOrder.FindIndex(m => m.SessionId == p.SessionId);
                if (at >= 0) inOrder[at] = member;
                else inOrder.Add(member);
                byId[p.SessionId] = member;
            }
            var present = new HashSet<string>(copy.Select(p => p.SessionId), StringComparer.Ordinal);
            foreach (string id in _checked.Keys.Where(id => !present.Contains(id)).ToList()) _checked.Remove(id);
            Volatile.Write(ref _signed, new SignedSet(byId, inOrder));
            InstallReceiveKeys();
            await ReconcileAsync().ConfigureAwait(false);
            OnChanged();
        }, cancellationToken);
    }

    /// <summary>An <c>e2ee</c> event from signaling: <paramref name="data"/> sent, says the server, by session
    /// <paramref name="from"/>. Never throws on hostile content.</summary>
    public Task ReceiveAsync(string from, string data, CancellationToken cancellationToken = default)
    {
        if (from is null || data is null) return Task.CompletedTask;
        return SerialAsync(async () =>
        {
            Interlocked.Increment(ref _received);
            if (!await HandleAsync(from, data).ConfigureAwait(false) && _stash.Count < MaxStashed) _stash.Add((from, data));
        }, cancellationToken);
    }

    /// <summary>Forgets every key and the call (this device left it); <see cref="SetCallAsync"/> may start another.</summary>
    public Task CloseAsync() => SerialAsync(() =>
    {
        Reset();
        return Task.CompletedTask;
    }, CancellationToken.None);

    /// <summary>Same as <see cref="CloseAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <summary>Completes once every operation queued before it has run (for tests).</summary>
    internal Task IdleAsync() => SerialAsync(() => Task.CompletedTask, CancellationToken.None);

    /// <summary>The epochs whose secret this endpoint holds (for tests; call after <see cref="IdleAsync"/>).</summary>
    internal IReadOnlyList<long> HeldEpochs => [.. _secrets.Keys];

    /// <summary>A copy of the secret of <paramref name="epoch"/>, or null (for tests; call after <see cref="IdleAsync"/>).</summary>
    internal byte[]? SecretOf(long epoch) => _secrets.TryGetValue(epoch, out byte[]? secret) ? (byte[])secret.Clone() : null;

    private async Task SerialAsync(Func<Task> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void OnChanged() => Changed?.Invoke(this, EventArgs.Empty);

    private void Reset()
    {
        ClearPending();
        foreach (byte[] secret in _secrets.Values) CryptographicOperations.ZeroMemory(secret);
        _call = null;
        Volatile.Write(ref _signed, SignedSet.Empty);
        _checked.Clear();
        _secrets.Clear();
        _receiveKeys.Clear();
        Interlocked.Exchange(ref _sending, -1);
        _sendingSecret = null;
        _highestSeen = -1;
        _members = null;
        _stash = [];
        OnChanged();
    }

    private void ClearPending()
    {
        _pending?.Timer?.Dispose();
        _pending = null;
    }

    private string? Leader()
    {
        SignedMember? leader = null;
        foreach (SignedMember m in _signed.InOrder)
        {
            if (leader is null || m.JoinVersion < leader.JoinVersion
                || (m.JoinVersion == leader.JoinVersion && string.CompareOrdinal(m.SessionId, leader.SessionId) < 0))
                leader = m;
        }
        return leader?.SessionId;
    }

    private async Task ReconcileAsync()
    {
        // Messages that came before the roster update that makes their sender signed, or the leader.
        List<(string From, string Data)> stashed = _stash;
        _stash = [];
        foreach ((string from, string data) in stashed)
            if (!await HandleAsync(from, data).ConfigureAwait(false)) _stash.Add((from, data));

        string me = _call!.Me;
        if (!_signed.ById.ContainsKey(me) || Leader() != me)
        {
            ClearPending();
            _members = null;
            return;
        }
        List<string> others = [.. _signed.InOrder.Select(m => m.SessionId).Where(id => id != me)];
        if (_members is null)
        {
            // Leading from now on (first in the call, or the leader left): a fresh epoch for everyone.
            await StartEpochAsync(others, []).ConfigureAwait(false);
            return;
        }
        bool removed = _members.Any(id => !_signed.ById.ContainsKey(id));
        List<string> added = [.. others.Where(id => !_members.Contains(id))];
        if (removed) await StartEpochAsync(others, []).ConfigureAwait(false);
        else if (added.Count > 0) await StartEpochAsync(added, [.. others.Where(id => !added.Contains(id))]).ConfigureAwait(false);
    }

    /// <summary>As leader: a new epoch, wrapped to <paramref name="wrapTo"/>, ratcheted by <paramref name="ratchetFor"/>
    /// (a fresh secret when <paramref name="ratchetFor"/> is empty).</summary>
    private async Task StartEpochAsync(List<string> wrapTo, List<string> ratchetFor)
    {
        long? latest = LatestEpoch();
        long epoch = Math.Max(latest ?? -1, _highestSeen) + 1;
        byte[] secret = ratchetFor.Count > 0 && latest is { } previous ? EpochKeys.Ratchet(_secrets[previous]) : EpochKeys.FreshSecret();
        secret = Install(epoch, secret);
        _members = new HashSet<string>([.. wrapTo, .. ratchetFor], StringComparer.Ordinal);
        ClearPending();
        if (_members.Count == 0)
        {
            Use(epoch);
            return;
        }
        var pending = new Pending(epoch, new HashSet<string>(_members, StringComparer.Ordinal));
        _pending = pending;
        pending.Timer = _time.CreateTimer(_ => OnAckTimeout(pending), null, AckTimeout, Timeout.InfiniteTimeSpan);
        var messages = new List<Outgoing>(_members.Count);
        foreach (string to in wrapTo)
            if (Wrap(to, epoch, secret, use: false) is { } body) messages.Add(new Outgoing(to, body));
        foreach (string to in ratchetFor) messages.Add(new Outgoing(to, Note("ratchet", epoch)));
        await SendAsync(messages).ConfigureAwait(false);
    }

    private void OnAckTimeout(Pending pending) => _ = CommitOnTimeoutAsync(pending);

    private async Task CommitOnTimeoutAsync(Pending pending)
    {
        try
        {
            await SerialAsync(async () =>
            {
                if (ReferenceEquals(_pending, pending)) await CommitAsync(pending.Epoch).ConfigureAwait(false);
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A timer has no caller to report to; the next roster change or `need` starts over.
        }
    }

    private async Task CommitAsync(long epoch)
    {
        if (_pending is null || _pending.Epoch != epoch) return;
        ClearPending();
        if (_members is not null) await SendAsync([.. _members.Select(to => new Outgoing(to, Note("use", epoch)))]).ConfigureAwait(false);
        Use(epoch);
    }

    /// <summary>Handles one message (as received); false when it must wait for the roster (its sender is not signed, or
    /// not the leader seen here, yet). Forged, malformed and unknown messages are dropped.</summary>
    private async Task<bool> HandleAsync(string from, string data)
    {
        if (_call is null || !_signed.ById.TryGetValue(from, out SignedMember? sender)) return false;
        string me = _call.Me;
        if (from == me) return true;                                  // nobody sends to itself: a forged sender
        if (Open(from, sender, data) is not { } payload) return true;  // unsigned, signed by another key or for another place
        long epoch = payload.Epoch;
        if (payload.K != "need" && epoch < 0) return true;            // malformed: dropped
        string? leader = Leader();
        switch (payload.K)
        {
            case "ack":
                if (leader == me && _pending is not null && _pending.Epoch == epoch)
                {
                    _pending.Awaiting.Remove(from);
                    if (_pending.Awaiting.Count == 0) await CommitAsync(epoch).ConfigureAwait(false);
                }
                return true;
            case "need":
            {
                if (leader != me || _members is null) return true;
                long? latest = LatestEpoch();
                _members.Add(from);
                if (latest is { } l && Wrap(from, l, _secrets[l], use: _pending is null) is { } body)
                    await SendAsync([new Outgoing(from, body)]).ConfigureAwait(false);
                return true;
            }
            case "key" or "ratchet" or "use":
                if (from != leader) return false;
                _highestSeen = Math.Max(_highestSeen, epoch);
                return await FollowAsync(from, payload).ConfigureAwait(false);
            default:
                return true;
        }
    }

    /// <summary>The payload of <paramref name="data"/> if it is an envelope <c>{"body":text,"sig":b64}</c> whose signature
    /// verifies under <paramref name="sender"/>'s signing key over <see cref="EpochKeys.MessageToSign"/> for this call,
    /// from <paramref name="from"/> to this device; null otherwise.</summary>
    private Payload? Open(string from, SignedMember sender, string data)
    {
        string body;
        byte[] signature;
        try
        {
            using JsonDocument document = JsonDocument.Parse(data);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("body", out JsonElement b) || b.ValueKind != JsonValueKind.String) return null;
            body = b.GetString()!;
            signature = root.TryGetProperty("sig", out JsonElement sig) && sig.ValueKind == JsonValueKind.String ? FromBase64(sig.GetString()) : [];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;                                              // not JSON, too deep, or text that is no valid Unicode
        }
        byte[] signed;
        try
        {
            signed = EpochKeys.MessageToSign(_call!.Room, _call.Call, from, _call.Me, body);
        }
        catch (ArgumentException)
        {
            return null;                                              // a session id over 65,535 bytes: nobody signed that
        }
        return DeviceIdentity.Verify(sender.Keys.SigningPublicKey.Span, signature, signed) ? Payload.Parse(body) : null;
    }

    private async Task<bool> FollowAsync(string leader, Payload payload)
    {
        long epoch = payload.Epoch;
        if (payload.K == "use")
        {
            if (_secrets.ContainsKey(epoch)) Use(epoch);
            else await SendAsync([new Outgoing(leader, NeedNote)]).ConfigureAwait(false);
            return true;
        }
        byte[]? secret = null;
        if (payload.K == "key")
        {
            // The suite the wrap names, and no other: an unknown kem, or X-Wing without an X-Wing key here, is ignored.
            (HpkeSuite suite, HpkeKeyPair? recipient) = payload.Kem switch
            {
                WrapKem.X25519 => (HpkeSuite.X25519Sha256Aes128Gcm, _identity.AgreementKeyPair),
                WrapKem.XWing => (HpkeSuite.XWingSha256Aes128Gcm, _identity.XWingKeyPair),
                _ => (default, null),
            };
            if (recipient is null) return true;
            byte[] info = EpochKeys.WrapInfo(_call!.Room, _call.Call, leader, _call.Me, epoch);
            HpkeStatus status = HpkeBaseMode.Open(suite, recipient, FromBase64(payload.Enc), info, [], FromBase64(payload.Ct), out byte[] opened);
            if (status != HpkeStatus.Ok || opened.Length != EpochKeys.EpochSecretLength)
            {
                CryptographicOperations.ZeroMemory(opened);
                return true;                                          // not for this device, or forged: ignored
            }
            secret = opened;
        }
        else if (_secrets.TryGetValue(epoch - 1, out byte[]? previous))
        {
            secret = EpochKeys.Ratchet(previous);
        }
        if (secret is null)
        {
            await SendAsync([new Outgoing(leader, NeedNote)]).ConfigureAwait(false);
            return true;
        }
        Install(epoch, secret);
        await SendAsync([new Outgoing(leader, Note("ack", epoch))]).ConfigureAwait(false);
        if (payload.Use) Use(epoch);
        return true;
    }

    private string? Wrap(string to, long epoch, byte[] secret, bool use)
    {
        if (!_signed.ById.TryGetValue(to, out SignedMember? member)) return null;
        byte[] info = EpochKeys.WrapInfo(_call!.Room, _call.Call, _call.Me, to, epoch);
        // X-Wing whenever the member registered an X-Wing key: sealing needs nothing more on this side.
        bool xWing = member.Keys.HasXWing;
        HpkeStatus status = xWing
            ? HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, member.Keys.XWingPublicKey.Span, info, [], secret, out byte[] enc, out byte[] ct)
            : HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, member.Keys.AgreementPublicKey.Span, info, [], secret, out enc, out ct);
        if (status != HpkeStatus.Ok) return null;                     // a registered key that is no key of its KEM: it gets nothing
        string kem = xWing ? $"\"kem\":\"{XWingKemName}\"," : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"k\":\"key\",\"epoch\":{epoch},{kem}\"enc\":\"{Convert.ToBase64String(enc)}\",\"ct\":\"{Convert.ToBase64String(ct)}\",\"use\":{(use ? "true" : "false")}}}");
    }

    private const string NeedNote = """{"k":"need"}""";

    private static string Note(string kind, long epoch) => string.Create(CultureInfo.InvariantCulture, $"{{\"k\":\"{kind}\",\"epoch\":{epoch}}}");

    private static byte[] FromBase64(string? value)
    {
        if (value is null) return [];
        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    /// <summary>Signs and sends <paramref name="messages"/>, in order, batched by size (<see cref="Batches"/>).</summary>
    private async Task SendAsync(IReadOnlyList<Outgoing> messages)
    {
        Place place = _call!;
        CallKeyMessage[] signedMessages = [.. messages.Select(m => new CallKeyMessage(m.To, Envelope(place, m)))];
        foreach (CallKeyMessage[] batch in Batches(signedMessages))
        {
            Interlocked.Increment(ref _sends);
            Interlocked.Add(ref _wraps, batch.Length);
            try
            {
                await _transport.SendAsync(batch, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A member that left meanwhile is simply not delivered to; a dropped connection is healed by `need` later.
            }
        }
    }

    /// <summary>
    /// <paramref name="messages"/> cut, in order, into requests of at most <see cref="MaxBatchChars"/> (each message
    /// counted as <see cref="BatchedLength"/>) and <see cref="MaxBatchMessages"/> messages: a request is closed when the
    /// next message would not fit. call-keys.js cuts the same way.
    /// </summary>
    public static IEnumerable<CallKeyMessage[]> Batches(IReadOnlyList<CallKeyMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var batch = new List<CallKeyMessage>();
        int length = 0;
        foreach (CallKeyMessage message in messages)
        {
            int size = BatchedLength(message);
            if (batch.Count > 0 && (length + size > MaxBatchChars || batch.Count == MaxBatchMessages))
            {
                yield return [.. batch];
                batch.Clear();
                length = 0;
            }
            batch.Add(message);
            length += size;
        }
        if (batch.Count > 0) yield return [.. batch];
    }

    /// <summary><c>{"body":text,"sig":b64}</c>: the message this device sends, signed for its place and recipient.</summary>
    private string Envelope(Place place, Outgoing message)
    {
        byte[] signature = _identity.Sign(EpochKeys.MessageToSign(place.Room, place.Call, place.Me, message.To, message.Body));
        var buffer = new ArrayBufferWriter<byte>(message.Body.Length + 128);
        using (var json = new Utf8JsonWriter(buffer, EnvelopeOptions))
        {
            json.WriteStartObject();
            json.WriteString("body", message.Body);
            json.WriteString("sig", Convert.ToBase64String(signature));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private long? LatestEpoch() => _secrets.Count == 0 ? null : _secrets.Keys.Max();

    /// <summary>Holds <paramref name="secret"/> (owned from now on) for <paramref name="epoch"/>: everyone's receive key at
    /// once; epochs beyond <see cref="KeptEpochs"/> are forgotten (but never the one this device sends with). Returns the
    /// secret held.</summary>
    private byte[] Install(long epoch, byte[] secret)
    {
        if (_secrets.TryGetValue(epoch, out byte[]? old))
        {
            if (CryptographicOperations.FixedTimeEquals(old, secret))
            {
                if (!ReferenceEquals(old, secret)) CryptographicOperations.ZeroMemory(secret);
                return old;
            }
            Forget(epoch);
        }
        _secrets[epoch] = secret;
        // A leader's epochs only grow, so newer ones than this are from a leadership that ended (split by a late
        // statement); of the rest, the newest KeptEpochs stay, and the one this device sends with.
        long sending = Interlocked.Read(ref _sending);
        foreach (long newer in _secrets.Keys.Where(e => e > epoch).ToList()) Forget(newer);
        foreach (long dropped in _secrets.Keys.OrderDescending().Skip(KeptEpochs).Where(e => e != sending).ToList()) Forget(dropped);
        InstallReceiveKeys();
        return secret;
    }

    /// <summary>Drops the secret of <paramref name="epoch"/> and the note that its receive keys are installed.</summary>
    private void Forget(long epoch)
    {
        if (_secrets.Remove(epoch, out byte[]? secret)) CryptographicOperations.ZeroMemory(secret);
        foreach ((long, string) key in _receiveKeys.Keys.Where(k => k.Epoch == epoch).ToList()) _receiveKeys.Remove(key);
    }

    private void InstallReceiveKeys()
    {
        if (_call is null) return;
        foreach ((long epoch, byte[] secret) in _secrets)
        {
            foreach (SignedMember member in _signed.InOrder)
            {
                if (member.SessionId == _call.Me) continue;
                ReadOnlyMemory<byte> signingKey = member.Keys.SigningPublicKey;
                if (_receiveKeys.TryGetValue((epoch, member.SessionId), out ReadOnlyMemory<byte> used) && used.Span.SequenceEqual(signingKey.Span)) continue;
                (ulong kid, byte[] baseKey) = EpochKeys.SenderKey(secret, epoch, member.SessionId, signingKey.Span);
                try
                {
                    _sink.AddReceiveKey(kid, baseKey);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(baseKey);
                }
                _receiveKeys[(epoch, member.SessionId)] = signingKey;
            }
        }
    }

    /// <summary>Sends with <paramref name="epoch"/>, as this device's leadership or the leader said. The leader's word
    /// holds even for an epoch number this device already sent with: a device that led alone before an older member's
    /// statement arrived made its own epochs, which the leader it now follows never saw and replaces.</summary>
    private void Use(long epoch)
    {
        if (!_secrets.TryGetValue(epoch, out byte[]? secret)) return;
        if (Interlocked.Read(ref _sending) == epoch && ReferenceEquals(secret, _sendingSecret)) return;
        (ulong kid, byte[] baseKey) = EpochKeys.SenderKey(secret, epoch, _call!.Me, _identity.SigningPublicKey);
        try
        {
            _sink.SetSendKey(kid, baseKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(baseKey);
        }
        _sendingSecret = secret;
        Interlocked.Exchange(ref _sending, epoch);
        OnChanged();
    }

    private sealed record Place(string Room, string Call, string Me);

    /// <summary>A message to send: <paramref name="Body"/>, the payload's JSON text, for <paramref name="To"/>; signed when sent.</summary>
    private readonly record struct Outgoing(string To, string Body);

    private sealed record SignedMember(string SessionId, DevicePublicKeys Keys, long JoinVersion);

    private sealed record SignedSet(IReadOnlyDictionary<string, SignedMember> ById, IReadOnlyList<SignedMember> InOrder)
    {
        public static readonly SignedSet Empty = new(new Dictionary<string, SignedMember>(StringComparer.Ordinal), []);
    }

    /// <summary>A participant's verification result, redone when its input changes.</summary>
    private sealed record Checked(long JoinVersion, byte[] DevicePublicKeys, byte[] Membership, DevicePublicKeys? Keys)
    {
        public bool Matches(RosterMember p) => p.JoinVersion == JoinVersion && p.DevicePublicKeys.Span.SequenceEqual(DevicePublicKeys)
            && p.Membership.Span.SequenceEqual(Membership);
    }

    private sealed class Pending(long epoch, HashSet<string> awaiting)
    {
        public long Epoch { get; } = epoch;
        public HashSet<string> Awaiting { get; } = awaiting;
        public ITimer? Timer { get; set; }
    }

    /// <summary>The KEM a <c>key</c> message names.</summary>
    private enum WrapKem
    {
        /// <summary><c>kem</c> absent or <c>"x25519"</c>.</summary>
        X25519,
        /// <summary><c>"x-wing"</c>.</summary>
        XWing,
        /// <summary>Anything else: the wrap is refused.</summary>
        Unknown,
    }

    /// <summary>A received message's body (once its signature verified), read the way call-keys.js reads it: <c>epoch</c> counts only as a JavaScript safe
    /// non-negative integer (else -1), <c>enc</c> and <c>ct</c> only as strings, <c>use</c> only as <c>true</c>, <c>kem</c>
    /// as <see cref="WrapKem"/> (absent: X25519).</summary>
    private sealed record Payload(string K, long Epoch, string? Enc, string? Ct, bool Use, WrapKem Kem)
    {
        public static Payload? Parse(string? data)
        {
            if (data is null) return null;
            try
            {
                using JsonDocument document = JsonDocument.Parse(data);
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("k", out JsonElement k) || k.ValueKind != JsonValueKind.String) return null;
                long epoch = -1;
                if (root.TryGetProperty("epoch", out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d)
                    && double.IsFinite(d) && d >= 0 && d <= MaxSafeInteger && Math.Floor(d) == d)
                    epoch = (long)d;
                WrapKem kem = !root.TryGetProperty("kem", out JsonElement kemValue) ? WrapKem.X25519
                    : kemValue.ValueKind != JsonValueKind.String ? WrapKem.Unknown
                    : kemValue.GetString() switch
                    {
                        X25519KemName => WrapKem.X25519,
                        XWingKemName => WrapKem.XWing,
                        _ => WrapKem.Unknown,
                    };
                return new Payload(k.GetString()!, epoch, Text(root, "enc"), Text(root, "ct"),
                    root.TryGetProperty("use", out JsonElement use) && use.ValueKind == JsonValueKind.True, kem);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
            {
                return null;                                          // not JSON, too deep, or text that is no valid Unicode
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
