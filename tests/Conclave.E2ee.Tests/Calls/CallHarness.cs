using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Calls;

/// <summary>A clock that moves only when told (the ack timeout of <see cref="CallKeys"/>).</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_timers) _timers.Add(timer);
        return timer;
    }

    public int ActiveTimers
    {
        get
        {
            lock (_timers) return _timers.Count(t => t.Due is not null);
        }
    }

    public void Advance(TimeSpan by)
    {
        _now += by;
        List<ManualTimer> due;
        lock (_timers) due = [.. _timers.Where(t => t.Due <= _now)];
        foreach (ManualTimer timer in due)
        {
            timer.Due = timer.Period is { } period && period > TimeSpan.Zero ? _now + period : null;
            timer.Callback(timer.State);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;
        public object? State { get; } = state;
        public DateTimeOffset? Due { get; set; }
        public TimeSpan? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
            Period = period == Timeout.InfiniteTimeSpan ? null : period;
            return true;
        }

        public void Dispose()
        {
            Due = null;
            lock (owner._timers) owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>An SFrame key sink that records what it is given.</summary>
internal sealed class RecordingSink : ICallKeySink
{
    public List<(ulong Kid, byte[] Key)> SendKeys { get; } = [];
    public Dictionary<ulong, byte[]> ReceiveKeys { get; } = [];
    public List<byte[]> AllReceived { get; } = [];

    public (ulong Kid, byte[] Key)? SendKey => SendKeys.Count == 0 ? null : SendKeys[^1];

    public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey) => SendKeys.Add((kid, baseKey.ToArray()));

    public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey)
    {
        ReceiveKeys[kid] = baseKey.ToArray();
        AllReceived.Add(baseKey.ToArray());
    }
}

/// <summary>One relayed message: what a sender asked to send (Addressed) or what reached a recipient (Delivered).</summary>
internal sealed record Relayed(string From, string To, string Data)
{
    /// <summary>The payload's JSON text, <c>body</c> of the signed envelope <c>{"body","sig"}</c>.</summary>
    public string Body => Envelope.BodyOf(Data);

    public string Kind => JsonDocument.Parse(Body).RootElement.GetProperty("k").GetString()!;

    /// <summary>The <c>kem</c> a <c>key</c> message names: null when absent (DHKEM(X25519)).</summary>
    public string? Kem => JsonDocument.Parse(Body).RootElement.TryGetProperty("kem", out JsonElement kem) ? kem.GetString() : null;

    /// <summary>The length of a <c>key</c> message's enc: 32 for X25519, 1120 for X-Wing.</summary>
    public int EncLength => JsonDocument.Parse(Body).RootElement.GetProperty("enc").GetBytesFromBase64().Length;
}

/// <summary>Signed key-distribution messages, built here from the definition (docs/e2ee.md) rather than by CallKeys.</summary>
internal static class Envelope
{
    /// <summary><c>{"body":body,"sig":b64}</c>, signed by <paramref name="signer"/> over MessageToSign(room, call, from, to, body).</summary>
    public static string Sign(DeviceIdentity signer, string from, string to, string body, string room = Call.Room, string call = Call.CallId)
    {
        byte[] message = [.. "Conclave e2ee message v1\0"u8, .. Text(room), .. Text(call), .. Text(from), .. Text(to), .. Encoding.UTF8.GetBytes(body)];
        return JsonSerializer.Serialize(new { body, sig = Convert.ToBase64String(signer.Sign(message)) });
    }

    public static string BodyOf(string data) => JsonDocument.Parse(data).RootElement.GetProperty("body").GetString()!;

    public static byte[] SignatureOf(string data) => Convert.FromBase64String(JsonDocument.Parse(data).RootElement.GetProperty("sig").GetString()!);

    /// <summary>A wrap of <paramref name="secret"/> to <paramref name="to"/>'s agreement key, as a leader makes it (the
    /// HPKE info of the call, sender, recipient and epoch): the body of a <c>key</c> message.</summary>
    public static string KeyBody(Member to, string from, long epoch, byte[] secret, bool use, string room = Call.Room, string call = Call.CallId)
    {
        HpkeStatus status = HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, to.Identity.AgreementPublicKey,
            EpochKeys.WrapInfo(room, call, from, to.Session, epoch), [], secret, out byte[] enc, out byte[] ct);
        Assert.Equal(HpkeStatus.Ok, status);
        return JsonSerializer.Serialize(new { k = "key", epoch, enc = Convert.ToBase64String(enc), ct = Convert.ToBase64String(ct), use });
    }

    /// <summary>A wrap of <paramref name="secret"/> sealed with <paramref name="suite"/> to <paramref name="to"/>'s key of that
    /// KEM, as a leader makes it, naming <paramref name="kem"/> (a JSON value, or null to leave <c>kem</c> out).</summary>
    public static string KeyBody(Member to, string from, long epoch, byte[] secret, bool use, HpkeSuite suite, string? kem)
    {
        ReadOnlySpan<byte> publicKey = suite.Kem == HpkeKemId.XWing ? to.Identity.XWingPublicKey : to.Identity.AgreementPublicKey;
        HpkeStatus status = HpkeBaseMode.Seal(suite, publicKey, EpochKeys.WrapInfo(Call.Room, Call.CallId, from, to.Session, epoch), [], secret,
            out byte[] enc, out byte[] ct);
        Assert.Equal(HpkeStatus.Ok, status);
        string kemProperty = kem is null ? "" : $"\"kem\":{kem},";
        return $"{{\"k\":\"key\",\"epoch\":{epoch},{kemProperty}\"enc\":\"{Convert.ToBase64String(enc)}\",\"ct\":\"{Convert.ToBase64String(ct)}\",\"use\":{(use ? "true" : "false")}}}";
    }

    private static byte[] Text(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return [(byte)(utf8.Length >> 8), (byte)utf8.Length, .. utf8];
    }
}

/// <summary>
/// The signaling relay, in memory: <c>e2ee-send</c> requests are queued for the recipients in the call at the time of
/// the request (as the server does), and delivered as <c>e2ee</c> events when the test drains the queue. Counts requests
/// and deliveries.
/// </summary>
internal sealed class FakeRelay
{
    private readonly Dictionary<string, CallKeys> _inCall = new(StringComparer.Ordinal);
    private readonly List<Relayed> _queue = [];

    public int Requests { get; private set; }
    public int DeliveredCount => Delivered.Count;

    /// <summary>Every request: its sender, its messages, and their length as <see cref="CallKeys.MaxBatchChars"/> counts it.</summary>
    public List<(string From, IReadOnlyList<CallKeyMessage> Messages, int Length)> Sends { get; } = [];
    public List<Relayed> Addressed { get; } = [];
    public List<Relayed> Delivered { get; } = [];
    public Dictionary<string, int> RequestsBy { get; } = new(StringComparer.Ordinal);

    /// <summary>Messages for which this returns true are lost (a dropped connection).</summary>
    public Func<Relayed, bool>? Drop { get; set; }

    public int Queued => _queue.Count;

    public void Connect(string session, CallKeys keys) => _inCall[session] = keys;

    public void Disconnect(string session) => _inCall.Remove(session);

    public ICallKeyTransport TransportFor(string session) => new Transport(this, session);

    /// <summary>Delivers until nothing is left (replies included).</summary>
    public async Task DrainAsync(Func<Task>? afterEach = null)
    {
        while (await DeliverOneAsync())
            if (afterEach is not null) await afterEach();
    }

    /// <summary>Delivers the oldest queued message; false if none.</summary>
    public async Task<bool> DeliverOneAsync()
    {
        if (_queue.Count == 0) return false;
        Relayed message = _queue[0];
        _queue.RemoveAt(0);
        if (!_inCall.TryGetValue(message.To, out CallKeys? keys)) return true;
        Delivered.Add(message);
        await keys.ReceiveAsync(message.From, message.Data);
        return true;
    }

    /// <summary>Puts a message straight into a recipient's queue, as a server could (from any session it likes).</summary>
    public void Inject(string from, string to, string data) => _queue.Add(new Relayed(from, to, data));

    private sealed class Transport(FakeRelay relay, string from) : ICallKeyTransport
    {
        public Task SendAsync(IReadOnlyList<CallKeyMessage> messages, CancellationToken cancellationToken)
        {
            relay.Requests++;
            relay.RequestsBy[from] = relay.RequestsBy.GetValueOrDefault(from) + 1;
            relay.Sends.Add((from, [.. messages], messages.Sum(CallKeys.BatchedLength)));
            foreach (CallKeyMessage m in messages)
            {
                var relayed = new Relayed(from, m.To, m.Data);
                relay.Addressed.Add(relayed);
                if (relay._inCall.ContainsKey(m.To) && relay.Drop?.Invoke(relayed) != true) relay._queue.Add(relayed);
            }
            return Task.CompletedTask;
        }
    }
}

/// <summary>A device in the call.</summary>
internal sealed class Member(string session, long joinVersion, DeviceIdentity identity, CallKeys keys, RecordingSink sink) : IAsyncDisposable
{
    public string Session { get; } = session;
    public long JoinVersion { get; set; } = joinVersion;
    public DeviceIdentity Identity { get; } = identity;
    public CallKeys Keys { get; } = keys;
    public RecordingSink Sink { get; } = sink;
    public byte[] DeviceKeys { get; set; } = DevicePublicKeys.Of(identity).ToBytes();
    public byte[] Membership { get; set; } = [];

    public RosterMember ToRosterMember() => new(Session, JoinVersion, DeviceKeys, Membership);

    public async ValueTask DisposeAsync()
    {
        await Keys.DisposeAsync();
        Identity.Dispose();
    }
}

/// <summary>What device keys a participant has and registers.</summary>
public enum Device
{
    /// <summary>An identity of this version: X25519 and X-Wing keys, registered as device keys version 2.</summary>
    XWing,
    /// <summary>An identity made before X-Wing (no X-Wing key), registering version 1: an older client.</summary>
    Old,
    /// <summary>An identity with an X-Wing key whose registered keys the server replaced by version 1 (dropping X-Wing
    /// to force X25519): its statement names the digest of what it registered, so it is unsigned.</summary>
    StrippedByTheServer,
}

/// <summary>How a participant the server lists fails to be signed.</summary>
public enum Ghost
{
    None,
    NoStatement,
    SignedByAnotherKey,
    AnotherCall,
    AnotherRoom,
    AnotherSession,
    AnotherJoinVersion,
    LeaveStatement,
    NoDeviceKeys,
}

/// <summary>A call of in-memory <see cref="CallKeys"/> wired through a <see cref="FakeRelay"/>, with a roster the test drives.</summary>
internal sealed class Call : IAsyncDisposable
{
    public const string Room = "room-1";
    public const string CallId = "call-1";

    private long _version;
    private int _sessions;

    public ManualTimeProvider Time { get; } = new();
    public FakeRelay Relay { get; } = new();
    public List<Member> Members { get; } = [];
    public List<Member> Gone { get; } = [];

    public Member Leader => Members.Where(m => !IsGhost(m)).MinBy(m => m.JoinVersion)!;
    public IEnumerable<Member> Signed => Members.Where(m => !IsGhost(m));
    private readonly HashSet<Member> _ghosts = [];

    public bool IsGhost(Member m) => _ghosts.Contains(m);

    /// <summary>A device joins: it gets its roster, then everyone gets the new one (nothing is delivered yet).</summary>
    public async Task<Member> JoinAsync(Ghost ghost = Ghost.None, string? session = null, bool updateOthers = true, bool updateSelf = true,
        Device device = Device.XWing)
    {
        long version = ++_version;
        session ??= $"s-{++_sessions:D3}";
        DeviceIdentity identity = device == Device.Old
            ? DeviceIdentity.FromPrivateKeys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32))
            : DeviceIdentity.Generate();
        var sink = new RecordingSink();
        var keys = new CallKeys(identity, Relay.TransportFor(session), sink, Time);
        var member = new Member(session, version, identity, keys, sink);
        await keys.SetCallAsync(Room, CallId, session);
        List<ReadOnlyMemory<byte>> seen = [.. Members.Select(m => (ReadOnlyMemory<byte>)DevicePublicKeys.Of(m.Identity).SigningPublicKey), identity.SigningPublicKey.ToArray()];
        member.Membership = ghost switch
        {
            Ghost.None or Ghost.NoDeviceKeys => SignedRoster.Sign(identity, MembershipKind.Join, Room, CallId, session, version, seen),
            Ghost.NoStatement => [],
            Ghost.SignedByAnotherKey => SignWithAnother(session, version, seen),
            Ghost.AnotherCall => SignedRoster.Sign(identity, MembershipKind.Join, Room, "call-2", session, version, seen),
            Ghost.AnotherRoom => SignedRoster.Sign(identity, MembershipKind.Join, "room-2", CallId, session, version, seen),
            Ghost.AnotherSession => SignedRoster.Sign(identity, MembershipKind.Join, Room, CallId, session + "x", version, seen),
            Ghost.AnotherJoinVersion => SignedRoster.Sign(identity, MembershipKind.Join, Room, CallId, session, version + 1, seen),
            Ghost.LeaveStatement => SignedRoster.Sign(identity, MembershipKind.Leave, Room, CallId, session, version, seen),
            _ => throw new ArgumentOutOfRangeException(nameof(ghost)),
        };
        if (ghost == Ghost.NoDeviceKeys) member.DeviceKeys = [];
        else if (device == Device.StrippedByTheServer)
            member.DeviceKeys = new DevicePublicKeys(identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray()).ToBytes();
        if (ghost != Ghost.None || device == Device.StrippedByTheServer) _ghosts.Add(member);
        Members.Add(member);
        Relay.Connect(session, keys);
        if (updateSelf) await member.Keys.UpdateRosterAsync(Roster());
        if (updateOthers)
            foreach (Member m in Members.Where(m => m != member)) await m.Keys.UpdateRosterAsync(Roster());
        return member;
    }

    private static byte[] SignWithAnother(string session, long version, List<ReadOnlyMemory<byte>> seen)
    {
        using DeviceIdentity other = DeviceIdentity.Generate();
        return SignedRoster.Sign(other, MembershipKind.Join, Room, CallId, session, version, seen);
    }

    /// <summary>A device leaves: it closes its keys and the server's roster drops it (nothing is delivered yet).</summary>
    public async Task LeaveAsync(Member member)
    {
        _version++;
        Members.Remove(member);
        Gone.Add(member);
        Relay.Disconnect(member.Session);
        await member.Keys.CloseAsync();
        await UpdateAllAsync();
    }

    /// <summary>The join statement of <paramref name="member"/>, which joined without one, reaches the server now; everyone
    /// gets the new roster (nothing is delivered yet).</summary>
    public async Task SignLateAsync(Member member)
    {
        member.Membership = SignedRoster.Sign(member.Identity, MembershipKind.Join, Room, CallId, member.Session, member.JoinVersion,
            [member.Identity.SigningPublicKey.ToArray()]);
        _ghosts.Remove(member);
        await UpdateAllAsync();
    }

    public IReadOnlyList<RosterMember> Roster() => [.. Members.Select(m => m.ToRosterMember())];

    public async Task UpdateAllAsync()
    {
        foreach (Member m in Members) await m.Keys.UpdateRosterAsync(Roster());
    }

    public async Task IdleAsync()
    {
        foreach (Member m in Members) await m.Keys.IdleAsync();
    }

    /// <summary>Delivers every message, then waits for every endpoint.</summary>
    public async Task SettleAsync()
    {
        await Relay.DrainAsync();
        await IdleAsync();
    }

    public async Task<Member> JoinAndSettleAsync(Ghost ghost = Ghost.None, Device device = Device.XWing)
    {
        Member member = await JoinAsync(ghost, device: device);
        await SettleAsync();
        return member;
    }

    /// <summary>Every signed member sends with <paramref name="epoch"/>, and every other signed member can decrypt it.</summary>
    public void AssertAllOn(long epoch)
    {
        foreach (Member a in Signed)
        {
            Assert.True(epoch == a.Keys.SendingEpoch, $"{a.Session} sends with {a.Keys.SendingEpoch}, not {epoch}");
            AssertOthersCanDecrypt(a);
        }
    }

    /// <summary>Nobody sends with a key a signed member does not hold; except that a newcomer cannot read what is sent
    /// before <paramref name="newEpoch"/>, the epoch it joins at (by design).</summary>
    public void AssertNobodySendsUnreadable(Member? newcomer = null, long newEpoch = 0)
    {
        foreach (Member a in Signed.Where(a => a.Sink.SendKey is not null))
            AssertOthersCanDecrypt(a, a.Keys.SendingEpoch < newEpoch ? newcomer : null);
    }

    private void AssertOthersCanDecrypt(Member a, Member? except = null)
    {
        (ulong kid, byte[] key) = a.Sink.SendKey!.Value;
        foreach (Member b in Signed.Where(b => b != a && b != except))
        {
            Assert.True(b.Sink.ReceiveKeys.TryGetValue(kid, out byte[]? held), $"{b.Session} lacks {a.Session}'s key {kid:x}");
            Assert.Equal(key, held);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Member m in Members.Concat(Gone)) await m.DisposeAsync();
    }
}
