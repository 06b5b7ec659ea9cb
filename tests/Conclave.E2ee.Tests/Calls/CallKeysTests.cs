using System.Text.Json;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Calls;

/// <summary>
/// The key distribution protocol (docs/e2ee.md; the same as call-keys.js) between in-memory <see cref="CallKeys"/>
/// endpoints wired through an in-memory relay: who leads, what a join and a leave send, when senders switch, who never
/// gets a key, and how a member that missed a message heals. A pure unit test of the protocol; the real relay is
/// tested with signaling.
/// </summary>
public sealed class CallKeysTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_member_alone_sends_with_epoch_0_at_once()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Assert.Equal(0, a.Keys.SendingEpoch);
        Assert.Single(a.Sink.SendKeys);
        Assert.Equal(EpochKeys.SenderKey(a.Keys.SecretOf(0)!, 0, a.Session, a.Identity.SigningPublicKey).Kid, a.Sink.SendKey!.Value.Kid);
        Assert.Equal(0, call.Relay.Requests);
        Assert.Equal(new CallKeyCounters(0, 0, 0), a.Keys.Messages);
        Assert.True(a.Keys.IsSigned(a.Session));
        Assert.Equal([a.Identity.SigningPublicKey.ToArray()], a.Keys.SignedKeys.Select(k => k.ToArray()));
        Assert.Equal(0, call.Time.ActiveTimers);
    }

    [Fact]
    public async Task A_join_ratchets_the_secret_and_everyone_switches_only_after_every_ack()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        call.AssertAllOn(2);
        byte[] secret2 = a.Keys.SecretOf(2)!;
        Assert.Equal(secret2, b.Keys.SecretOf(2));
        Assert.Equal(secret2, c.Keys.SecretOf(2));
        HashSet<string> earlierKeys = [.. call.Members.SelectMany(m => m.Sink.SendKeys.Select(k => Convert.ToHexString(k.Key))
            .Concat(m.Sink.AllReceived.Select(Convert.ToHexString)))];

        int addressedBefore = call.Relay.Addressed.Count;
        Member d = await call.JoinAsync();
        // The leader ratchets: the newcomer gets a wrap, the others a note to ratchet themselves.
        Assert.Equal(EpochKeys.Ratchet(secret2), a.Keys.SecretOf(3));
        Assert.Equal([("ratchet", b.Session), ("ratchet", c.Session), ("key", d.Session)],
            call.Relay.Addressed.Skip(addressedBefore).Select(m => (m.Kind, m.To)).OrderBy(m => m.To));

        // One delivery at a time: nobody sends with epoch 3 before the leader has every ack, and nobody ever sends
        // with a key another member lacks.
        await call.Relay.DrainAsync(async () =>
        {
            await call.IdleAsync();
            call.AssertNobodySendsUnreadable(newcomer: d, newEpoch: 3);
            int acks = call.Relay.Delivered.Count(m => m.To == a.Session && m.Kind == "ack" && m.Body.Contains("\"epoch\":3", StringComparison.Ordinal));
            if (call.Members.Any(m => m.Keys.SendingEpoch == 3)) Assert.Equal(3, acks);
            Assert.Equal(acks == 3, a.Keys.SendingEpoch == 3);
        });
        await call.IdleAsync();
        call.AssertAllOn(3);

        // The newcomer holds epoch 3 only, and none of the keys of earlier epochs.
        Assert.Equal([3L], d.Keys.HeldEpochs);
        Assert.Null(d.Keys.SecretOf(2));
        Assert.DoesNotContain(d.Sink.AllReceived.Select(Convert.ToHexString), earlierKeys.Contains);
        Assert.DoesNotContain(Convert.ToHexString(d.Sink.SendKey!.Value.Key), earlierKeys);
        Assert.Equal(EpochKeys.Ratchet(secret2), d.Keys.SecretOf(3));
        // The others keep the previous epochs for frames in flight (at most 3 secrets).
        Assert.Equal([1L, 2L, 3L], b.Keys.HeldEpochs);
        Assert.Equal(0, call.Time.ActiveTimers);
    }

    [Fact]
    public async Task A_leave_makes_a_fresh_epoch_the_leaver_never_receives()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        Member d = await call.JoinAndSettleAsync();
        call.AssertAllOn(3);
        byte[] secret3 = a.Keys.SecretOf(3)!;
        int cKeys = c.Sink.AllReceived.Count;

        int addressedBefore = call.Relay.Addressed.Count;
        await call.LeaveAsync(c);
        await call.SettleAsync();
        call.AssertAllOn(4);

        byte[] secret4 = a.Keys.SecretOf(4)!;
        Assert.NotEqual(EpochKeys.Ratchet(secret3), secret4);
        Assert.Equal(secret4, b.Keys.SecretOf(4));
        Assert.Equal(secret4, d.Keys.SecretOf(4));
        List<Relayed> sent = [.. call.Relay.Addressed.Skip(addressedBefore)];
        Assert.DoesNotContain(sent, m => m.To == c.Session);
        Assert.Equal([("key", b.Session), ("key", d.Session)], sent.Where(m => m.From == a.Session && m.Kind == "key").Select(m => (m.Kind, m.To)).Order());
        Assert.Equal(cKeys, c.Sink.AllReceived.Count);
        Assert.Empty(c.Keys.HeldEpochs);                                  // and it forgot what it had
        Assert.Null(c.Keys.SendingEpoch);
    }

    [Fact]
    public async Task When_the_leader_leaves_the_next_oldest_leads_with_a_fresh_epoch()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        Member d = await call.JoinAndSettleAsync();
        byte[] secret3 = b.Keys.SecretOf(3)!;

        int addressedBefore = call.Relay.Addressed.Count;
        await call.LeaveAsync(a);
        await call.SettleAsync();
        call.AssertAllOn(4);
        Assert.NotEqual(EpochKeys.Ratchet(secret3), b.Keys.SecretOf(4));
        List<Relayed> sent = [.. call.Relay.Addressed.Skip(addressedBefore)];
        Assert.Equal([("key", c.Session), ("key", d.Session)], sent.Where(m => m.Kind == "key").Select(m => (m.Kind, m.To)).Order());
        Assert.All(sent.Where(m => m.Kind is "key" or "use"), m => Assert.Equal(b.Session, m.From));
        Assert.DoesNotContain(sent, m => m.To == a.Session);

        // b leads from now on: a join ratchets b's epoch.
        Member e = await call.JoinAndSettleAsync();
        call.AssertAllOn(5);
        Assert.Equal(EpochKeys.Ratchet(b.Keys.SecretOf(4)!), e.Keys.SecretOf(5));
    }

    [Theory]
    [InlineData(Ghost.NoStatement)]
    [InlineData(Ghost.SignedByAnotherKey)]
    [InlineData(Ghost.AnotherCall)]
    [InlineData(Ghost.AnotherRoom)]
    [InlineData(Ghost.AnotherSession)]
    [InlineData(Ghost.AnotherJoinVersion)]
    [InlineData(Ghost.LeaveStatement)]
    [InlineData(Ghost.NoDeviceKeys)]
    public async Task A_participant_without_a_valid_join_statement_gets_no_message_at_all(Ghost kind)
    {
        await using var call = new Call();
        Member firstGhost = await call.JoinAndSettleAsync(kind);       // the oldest, but unsigned: it does not lead
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member ghost = await call.JoinAndSettleAsync(kind);
        Member c = await call.JoinAndSettleAsync();
        await call.LeaveAsync(b);
        await call.SettleAsync();
        call.AssertAllOn(3);                                             // 0 alone, 1 +b, 2 +c, 3 -b: the ghosts changed nothing

        Member[] ghosts = [firstGhost, ghost];
        Assert.DoesNotContain(call.Relay.Addressed, m => ghosts.Any(g => g.Session == m.To));
        foreach (Member g in ghosts)
        {
            Assert.Empty(g.Sink.SendKeys);
            Assert.Empty(g.Sink.AllReceived);
            Assert.Null(g.Keys.SendingEpoch);
            Assert.Empty(g.Keys.HeldEpochs);
            Assert.False(a.Keys.IsSigned(g.Session));
            Assert.False(c.Keys.IsSigned(g.Session));
        }
        Assert.Equal([.. new[] { a, c }.Select(m => Convert.ToHexString(m.Identity.SigningPublicKey)).Order()],
            a.Keys.SignedKeys.Select(k => Convert.ToHexString(k.Span)).Order());
        Assert.Equal(0, call.Time.ActiveTimers);                         // nobody waited for a ghost's ack
    }

    [Fact]
    public async Task A_participant_whose_statement_arrives_later_gets_keys_then()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync(Ghost.NoStatement);
        call.AssertAllOn(0);
        Assert.False(a.Keys.IsSigned(b.Session));

        b.Membership = SignedRoster.Sign(b.Identity, MembershipKind.Join, Call.Room, Call.CallId, b.Session, b.JoinVersion, [b.Identity.SigningPublicKey.ToArray()]);
        await call.UpdateAllAsync();
        await call.SettleAsync();
        Assert.True(a.Keys.IsSigned(b.Session));
        Assert.True(b.Keys.IsSigned(a.Session));
        Assert.True(b.Keys.IsSigned(b.Session));
        Assert.Equal(1, a.Keys.SendingEpoch);
        Assert.Equal(1, b.Keys.SendingEpoch);
        Assert.Equal(a.Sink.SendKey!.Value.Key, b.Sink.ReceiveKeys[a.Sink.SendKey.Value.Kid]);
        Assert.Equal(b.Sink.SendKey!.Value.Key, a.Sink.ReceiveKeys[b.Sink.SendKey.Value.Kid]);
    }

    [Fact]
    public async Task A_member_that_led_alone_before_the_older_statement_arrived_takes_the_leaders_epoch_of_the_same_number()
    {
        // b joins after a, but a's statement is late: b leads alone and sends with its own epoch 0.
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync(Ghost.NoStatement);
        Member b = await call.JoinAndSettleAsync();
        Assert.Equal(0, b.Keys.SendingEpoch);
        byte[] alone = b.Sink.SendKey!.Value.Key;

        // a's statement arrives: a is the oldest, leads, and starts at epoch 0 too (it never saw b's), with a fresh secret.
        await call.SignLateAsync(a);
        await call.SettleAsync();
        call.AssertAllOn(0);
        Assert.NotEqual(alone, b.Sink.SendKey!.Value.Key);
        Assert.Equal(a.Keys.SecretOf(0), b.Keys.SecretOf(0));
        Assert.Equal(0, call.Time.ActiveTimers);
    }

    [Fact]
    public async Task Members_that_followed_a_leader_without_the_older_statement_drop_its_newer_epochs_for_the_leaders()
    {
        // b leads c and d through epochs 0 to 2 while a, the oldest, is unsigned.
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync(Ghost.NoStatement);
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        Member d = await call.JoinAndSettleAsync();
        call.AssertAllOn(2);

        // a leads from epoch 0: everyone goes down to it and forgets b's epochs above it.
        await call.SignLateAsync(a);
        await call.SettleAsync();
        call.AssertAllOn(0);
        foreach (Member m in call.Members) Assert.Equal([0L], m.Keys.HeldEpochs);

        // And the call goes on from there: a join ratchets a's epoch 0.
        Member e = await call.JoinAndSettleAsync();
        call.AssertAllOn(1);
        Assert.Equal(EpochKeys.Ratchet(a.Keys.SecretOf(0)!), e.Keys.SecretOf(1));
    }

    [Fact]
    public async Task A_member_that_missed_a_ratchet_asks_with_need_and_is_healed()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();

        // b's connection drops the ratchet to epoch 3: b cannot ack, so the leader switches after the timeout.
        call.Relay.Drop = m => m.To == b.Session && m.Kind == "ratchet";
        Member d = await call.JoinAsync();
        await call.SettleAsync();
        call.Relay.Drop = null;
        Assert.Equal((2L, 2L, 2L, (long?)null), (a.Keys.SendingEpoch, b.Keys.SendingEpoch, c.Keys.SendingEpoch, d.Keys.SendingEpoch));
        Assert.Null(b.Keys.SecretOf(3));

        call.Time.Advance(CallKeys.AckTimeout - TimeSpan.FromMilliseconds(1));
        await call.SettleAsync();
        Assert.Equal((2L, 2L, 2L, (long?)null), (a.Keys.SendingEpoch, b.Keys.SendingEpoch, c.Keys.SendingEpoch, d.Keys.SendingEpoch));

        int delivered = call.Relay.DeliveredCount;
        call.Time.Advance(TimeSpan.FromMilliseconds(1));
        await call.SettleAsync();
        call.AssertAllOn(3);
        // `use` to b, b says `need`, the leader wraps epoch 3 to it with use = true, b acks.
        Assert.Equal([("use", b.Session), ("need", a.Session), ("key", b.Session), ("ack", a.Session)],
            call.Relay.Delivered.Skip(delivered).Where(m => m.From == b.Session || m.To == b.Session).Select(m => (m.Kind, m.To)));
        Assert.Equal(EpochKeys.Ratchet(a.Keys.SecretOf(2)!), b.Keys.SecretOf(3));

        // A ratchet from an epoch b lacks (b missed epoch 4 entirely, then gets the ratchet to 5) heals the same way:
        // `need`, and the leader wraps the newest epoch to it.
        call.Relay.Drop = m => m.To == b.Session;
        await call.JoinAsync();
        await call.SettleAsync();
        call.Time.Advance(CallKeys.AckTimeout);
        await call.SettleAsync();
        call.Relay.Drop = null;
        Assert.Equal(3, b.Keys.SendingEpoch);
        Assert.Null(b.Keys.SecretOf(4));
        delivered = call.Relay.DeliveredCount;
        await call.JoinAsync();
        await call.SettleAsync();
        call.AssertAllOn(5);
        Assert.Equal([("ratchet", b.Session), ("need", a.Session), ("key", b.Session), ("ack", a.Session), ("use", b.Session)],
            call.Relay.Delivered.Skip(delivered).Where(m => m.From == b.Session || m.To == b.Session).Select(m => (m.Kind, m.To)));
        Assert.Null(b.Keys.SecretOf(4));
        Assert.Equal(a.Keys.SecretOf(5), b.Keys.SecretOf(5));
        Assert.Equal(0, call.Time.ActiveTimers);
    }

    [Fact]
    public async Task Without_every_ack_the_leader_switches_after_the_timeout()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        call.Relay.Drop = m => m.From == b.Session && m.Kind == "ack";
        Member c = await call.JoinAndSettleAsync();
        call.Relay.Drop = null;
        Assert.Equal((1L, 1L, (long?)null), (a.Keys.SendingEpoch, b.Keys.SendingEpoch, c.Keys.SendingEpoch));
        Assert.Equal([2L], c.Keys.HeldEpochs);
        Assert.Equal(1, call.Time.ActiveTimers);

        call.Time.Advance(TimeSpan.FromSeconds(2.9));
        await call.SettleAsync();
        Assert.Equal(1, a.Keys.SendingEpoch);
        call.Time.Advance(TimeSpan.FromSeconds(0.1));
        await call.SettleAsync();
        call.AssertAllOn(2);
        Assert.Equal(0, call.Time.ActiveTimers);
    }

    [Fact]
    public async Task A_message_that_comes_before_the_roster_update_waits_for_it()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAsync(updateSelf: false);             // c's own roster event is late
        await call.SettleAsync();
        Assert.Null(c.Keys.SendingEpoch);
        Assert.Empty(c.Keys.HeldEpochs);
        Assert.Equal(1, c.Keys.Messages.Received);

        await c.Keys.UpdateRosterAsync(call.Roster(), Ct);
        await call.SettleAsync();
        call.AssertAllOn(2);
    }

    [Fact]
    public async Task Hostile_payloads_are_ignored_and_never_throw()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        call.AssertAllOn(2);

        byte[] info3 = EpochKeys.WrapInfo(Call.Room, Call.CallId, a.Session, b.Session, 3);
        string Wrap(byte[] info, byte[] secret)
        {
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, b.Identity.AgreementPublicKey, info, [], secret, out byte[] enc, out byte[] ct));
            return JsonSerializer.Serialize(new { k = "key", epoch = 3, enc = Convert.ToBase64String(enc), ct = Convert.ToBase64String(ct), use = true });
        }
        string[] malformed =
        [
            "", "not json", "null", "1", "\"k\"", "[]", "{}", "{\"k\":1}", "{\"k\":null}", "{\"k\":\"key\"}", "{\"k\":\"key\",\"epoch\":-1}",
            "{\"k\":\"key\",\"epoch\":1.5}", "{\"k\":\"key\",\"epoch\":\"3\"}", "{\"k\":\"key\",\"epoch\":1e400}", "{\"k\":\"ratchet\",\"epoch\":9007199254740992}",
            "{\"k\":\"use\",\"epoch\":-0.5}", "{\"k\":\"ack\",\"epoch\":true}", new string('[', 100_000), "{\"k\":\"\\ud800\",\"epoch\":3}",
            "{\"k\":\"key\",\"epoch\":3,\"enc\":\"!!!\",\"ct\":\"???\"}", "{\"k\":\"key\",\"epoch\":3,\"enc\":123,\"ct\":[]}", "{\"k\":\"key\",\"epoch\":3,\"enc\":\"AAAA\",\"ct\":\"AAAA\"}",
            $"{{\"k\":\"key\",\"epoch\":3,\"enc\":\"{Convert.ToBase64String(new byte[32])}\",\"ct\":\"{Convert.ToBase64String(new byte[48])}\"}}",
            "{\"k\":\"bogus\",\"epoch\":1}", "{\"k\":\"ack\",\"epoch\":2}", "{\"k\":\"key\",\"epoch\":3,\"use\":true}" + new string(' ', 1000), "{\"k\":\"key\",,}",
            // Wraps that do not open: sealed for another recipient, another call or epoch, or not 32 bytes.
            Wrap(EpochKeys.WrapInfo(Call.Room, Call.CallId, a.Session, c.Session, 3), EpochKeys.FreshSecret()),
            Wrap(EpochKeys.WrapInfo(Call.Room, "call-2", a.Session, b.Session, 3), EpochKeys.FreshSecret()),
            Wrap(EpochKeys.WrapInfo(Call.Room, Call.CallId, a.Session, b.Session, 4), EpochKeys.FreshSecret()),
            Wrap(info3, new byte[16]),
        ];
        string validFromC = Envelope.Sign(c.Identity, c.Session, b.Session, Wrap(EpochKeys.WrapInfo(Call.Room, Call.CallId, c.Session, b.Session, 3), EpochKeys.FreshSecret()));
        string sig = Convert.ToBase64String(a.Identity.Sign("x"u8));
        string[] badEnvelopes =
        [
            "", "not json", "null", "1", "[]", "{}", "{\"body\":1}", "{\"body\":null,\"sig\":\"\"}", "{\"body\":{\"k\":\"need\"},\"sig\":\"" + sig + "\"}",
            "{\"body\":\"{\\\"k\\\":\\\"need\\\"}\"}", "{\"body\":\"{\\\"k\\\":\\\"need\\\"}\",\"sig\":null}", "{\"body\":\"{\\\"k\\\":\\\"need\\\"}\",\"sig\":\"!!\"}",
            "{\"body\":\"\\ud800\",\"sig\":\"" + sig + "\"}", new string('{', 100_000), "{\"body\":\"" + new string('x', 70_000) + "\",\"sig\":\"" + sig + "\"}",
        ];

        CallKeyCounters before = b.Keys.Messages;
        int sinkBefore = b.Sink.AllReceived.Count;
        foreach (string body in malformed)
        {
            // Signed by the leader and by a member (so the body itself is what is tested), and bare (the unsigned format).
            await b.Keys.ReceiveAsync(a.Session, Envelope.Sign(a.Identity, a.Session, b.Session, body), Ct);   // from the leader
            await b.Keys.ReceiveAsync(c.Session, Envelope.Sign(c.Identity, c.Session, b.Session, body), Ct);   // from a member
            await b.Keys.ReceiveAsync("s-nobody", body, Ct);               // from nobody in the call
            await b.Keys.ReceiveAsync(a.Session, body, Ct);
        }
        foreach (string data in badEnvelopes)
        {
            await b.Keys.ReceiveAsync(a.Session, data, Ct);
            await b.Keys.ReceiveAsync(c.Session, data, Ct);
        }
        await b.Keys.ReceiveAsync(c.Session, validFromC, Ct);             // a member is not the leader: it waits, and never applies
        for (int i = 0; i < 100; i++) await b.Keys.ReceiveAsync("s-nobody", validFromC, Ct);
        await b.Keys.ReceiveAsync(null!, Envelope.Sign(a.Identity, a.Session, b.Session, "{\"k\":\"need\"}"), Ct);
        await b.Keys.ReceiveAsync(a.Session, null!, Ct);
        await b.Keys.ReceiveAsync(b.Session, Envelope.Sign(b.Identity, b.Session, b.Session,
            Wrap(EpochKeys.WrapInfo(Call.Room, Call.CallId, b.Session, b.Session, 3), EpochKeys.FreshSecret())), Ct);
        await call.UpdateAllAsync();                                      // the waiting messages are tried again, and still wait
        await call.IdleAsync();

        Assert.Equal(before.Sends, b.Keys.Messages.Sends);
        Assert.Equal(before.Received + 4 * malformed.Length + 2 * badEnvelopes.Length + 1 + 100 + 1, b.Keys.Messages.Received);
        Assert.Equal(2, b.Keys.SendingEpoch);
        Assert.Equal([1L, 2L], b.Keys.HeldEpochs);                          // b came in at epoch 1
        Assert.Equal(a.Keys.SecretOf(2), b.Keys.SecretOf(2));
        Assert.Equal(sinkBefore, b.Sink.AllReceived.Count);
        Assert.Equal(0, call.Relay.Queued);

        // The call still works.
        await call.JoinAndSettleAsync();
        call.AssertAllOn(3);
    }

    [Fact]
    public async Task The_same_call_again_changes_nothing_and_another_call_forgets_every_key()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        await a.Keys.SetCallAsync(Call.Room, Call.CallId, a.Session, Ct);
        Assert.Equal(1, a.Keys.SendingEpoch);
        Assert.True(a.Keys.IsSigned(b.Session));

        int changes = 0;
        a.Keys.Changed += (_, _) => changes++;
        await a.Keys.SetCallAsync(Call.Room, "call-2", a.Session, Ct);
        Assert.Null(a.Keys.SendingEpoch);
        Assert.Empty(a.Keys.HeldEpochs);
        Assert.False(a.Keys.IsSigned(b.Session));
        Assert.Empty(a.Keys.SignedKeys);
        Assert.Equal(1, changes);
        // Statements for call-1 do not hold in call-2.
        await a.Keys.UpdateRosterAsync(call.Roster(), Ct);
        Assert.Empty(a.Keys.SignedKeys);
        Assert.Null(a.Keys.SendingEpoch);
    }

    [Fact]
    public async Task Messages_per_join_and_per_leave_grow_linearly_with_the_call()
    {
        // Every member has an X-Wing key, so every wrap is an X-Wing wrap of about 1,800 characters: a leave's wraps
        // fill more than one request once there are more than about 27 of them (MaxBatchChars, 48 KiB). With B the
        // leader's wrap requests, a change costs N - 1 + B requests and 3 (N - 1) or 3 (N - 2) relayed events.
        const int Max = 50;
        await using var call = new Call();
        await call.JoinAndSettleAsync();
        var lines = new List<string> { "change  N  e2ee-send requests  delivered events  HPKE wraps  leader requests  largest request (chars)" };
        for (int n = 2; n <= Max; n++)
        {
            (int requests, int delivered, int wraps, Dictionary<string, int> by, List<Sent> sends) = await MeasureAsync(call, () => call.JoinAsync());
            Member leader = call.Leader;
            call.AssertAllOn(n - 1);
            // The leader: one request with the wrap and the ratchet notes, one with `use`; every other member one ack.
            Assert.Equal(2, by[leader.Session]);
            Assert.All(call.Members.Where(m => m != leader), m => Assert.Equal(1, by[m.Session]));
            Assert.Equal(n + 1, requests);
            Assert.Equal(3 * (n - 1), delivered);
            Assert.Equal(1, wraps);
            if (n is 2 or 20 or 50) lines.Add($"join   {n,2}  {requests,17}  {delivered,16}  {wraps,10}  {by[leader.Session],15}  {sends.Max(x => x.Length),23}");
        }
        for (int n = Max; n >= 2; n--)
        {
            Member leaving = call.Members[call.Members.Count / 2];
            (int requests, int delivered, int wraps, Dictionary<string, int> by, List<Sent> sends) = await MeasureAsync(call, () => call.LeaveAsync(leaving));
            Member leader = call.Leader;
            call.AssertAllOn(Max - 1 + Max - n + 1);
            int remaining = n - 1;
            int batches = WrapBatches(sends, leader);
            Assert.Equal(remaining == 1 ? 0 : batches + 1, by.GetValueOrDefault(leader.Session));
            Assert.All(call.Members.Where(m => m != leader), m => Assert.Equal(1, by[m.Session]));
            Assert.Equal(remaining == 1 ? 0 : n - 1 + batches, requests);
            Assert.Equal(3 * (n - 2), delivered);
            Assert.Equal(n - 2, wraps);
            // About 27 X-Wing wraps fit in a request: one request up to 25 wraps, two from 30.
            if (n - 2 is > 0 and <= 25) Assert.Equal(1, batches);
            if (n - 2 >= 30) Assert.Equal(2, batches);
            if (n is 3 or 20 or 30 or 50) lines.Add($"leave  {n,2}  {requests,17}  {delivered,16}  {wraps,10}  {by.GetValueOrDefault(leader.Session),15}  {sends.Max(x => (int?)x.Length) ?? 0,23}");
        }
        foreach (string line in lines) output.WriteLine(line);
    }

    [Theory]
    [InlineData(20, 1)]
    [InlineData(50, 2)]
    public async Task When_the_leader_of_N_leaves_the_handover_is_linear_too(int n, int wrapRequests)
    {
        await using var call = new Call();
        for (int i = 0; i < n; i++) await call.JoinAndSettleAsync();
        Member leader = call.Leader;
        (int requests, int delivered, int wraps, Dictionary<string, int> by, List<Sent> sends) = await MeasureAsync(call, () => call.LeaveAsync(leader));
        Member next = call.Leader;
        call.AssertAllOn(n);
        // The N - 2 X-Wing wraps in B requests (B = 1 for 18 wraps, 2 for 48), then `use`; every other member one ack.
        Assert.Equal(wrapRequests, WrapBatches(sends, next));
        Assert.Equal(wrapRequests + 1, by[next.Session]);
        Assert.Equal(n - 1 + wrapRequests, requests);
        Assert.Equal(3 * (n - 2), delivered);
        Assert.Equal(n - 2, wraps);
        output.WriteLine($"leader leaves {n}: {requests} e2ee-send requests, {delivered} delivered events, {wraps} HPKE wraps in {wrapRequests} requests");
    }

    [Fact]
    public async Task Members_with_X_Wing_keys_get_X_Wing_wraps_and_the_others_X25519_ones()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();                                      // X-Wing, leads
        Member b = await call.JoinAndSettleAsync();                                      // X-Wing
        Member old = await call.JoinAndSettleAsync(device: Device.Old);                  // an identity made before X-Wing
        Member stripped = await call.JoinAndSettleAsync(device: Device.StrippedByTheServer);  // X-Wing dropped by the server: unsigned
        call.AssertAllOn(2);
        await call.LeaveAsync(b);                                                        // a fresh epoch wrapped to old
        await call.SettleAsync();
        call.AssertAllOn(3);

        List<Relayed> keys = [.. call.Relay.Delivered.Where(m => m.Kind == "key")];
        Assert.Equal(["x-wing"], keys.Where(m => m.To == b.Session).Select(m => m.Kem));
        Assert.Equal([1120], keys.Where(m => m.To == b.Session).Select(m => m.EncLength));
        Assert.All(keys.Where(m => m.To == old.Session), m =>
        {
            Assert.Null(m.Kem);                                                          // DHKEM(X25519): no kem, as before X-Wing
            Assert.Equal(32, m.EncLength);
            Assert.DoesNotContain("kem", m.Body, StringComparison.Ordinal);
        });
        Assert.Equal(2, keys.Count(m => m.To == old.Session));
        Assert.DoesNotContain(call.Relay.Delivered, m => m.To == stripped.Session);

        // The old device can lead, and wraps with X-Wing to members that registered an X-Wing key: sealing needs only
        // their public key.
        await call.LeaveAsync(a);
        Member c = await call.JoinAsync();
        await call.SettleAsync();
        Assert.Equal(old, call.Leader);
        call.AssertAllOn(5);
        Relayed toC = Assert.Single(call.Relay.Delivered, m => m.Kind == "key" && m.To == c.Session);
        Assert.Equal((old.Session, "x-wing", 1120), (toC.From, toC.Kem, toC.EncLength));
        Assert.DoesNotContain(call.Relay.Delivered, m => m.To == stripped.Session);
    }

    public static TheoryData<string, string?, bool> WrapKems => new()
    {
        // name, kem (JSON), X-Wing suite; whether the wrap is taken
        { "x25519, kem absent", null, false },
        { "x25519, kem \"x25519\"", "\"x25519\"", false },
        { "x-wing, kem \"x-wing\"", "\"x-wing\"", true },
    };

    [Theory]
    [MemberData(nameof(WrapKems))]
    public async Task A_wrap_opens_with_the_suite_its_kem_names(string name, string? kem, bool xWing)
    {
        Assert.False(string.IsNullOrEmpty(name));
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        byte[] secret = EpochKeys.FreshSecret();
        string body = Envelope.KeyBody(b, a.Session, 2, secret, use: true, xWing ? HpkeSuite.XWingSha256Aes128Gcm : HpkeSuite.X25519Sha256Aes128Gcm, kem);

        await b.Keys.ReceiveAsync(a.Session, Envelope.Sign(a.Identity, a.Session, b.Session, body), Ct);

        Assert.Equal(secret, b.Keys.SecretOf(2));
        Assert.Equal(2, b.Keys.SendingEpoch);
    }

    [Fact]
    public async Task A_wrap_naming_another_kem_than_its_own_or_an_unknown_one_is_ignored()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member old = await call.JoinAndSettleAsync(device: Device.Old);
        call.AssertAllOn(2);
        HpkeSuite x25519 = HpkeSuite.X25519Sha256Aes128Gcm, xWing = HpkeSuite.XWingSha256Aes128Gcm;
        (Member To, HpkeSuite Suite, string? Kem)[] refused =
        [
            (b, x25519, "\"x-wing\""),                                   // an X25519 wrap said to be X-Wing
            (b, xWing, null),                                            // an X-Wing wrap with no kem, or said to be X25519
            (b, xWing, "\"x25519\""),
            (b, xWing, "\"X-Wing\""), (b, xWing, "\"xwing\""), (b, xWing, "\"x-wing \""), (b, xWing, "\"ml-kem-768\""),
            (b, x25519, "\"X25519\""), (b, x25519, "\"\""), (b, x25519, "null"), (b, x25519, "0"), (b, x25519, "true"),
            (b, x25519, "[\"x25519\"]"), (b, x25519, "{}"), (b, xWing, "[\"x-wing\"]"),
            (old, x25519, "\"x-wing\""),                                 // X-Wing to a device that has no X-Wing key
        ];
        foreach ((Member to, HpkeSuite suite, string? kem) in refused)
        {
            string body = Envelope.KeyBody(to, a.Session, 3, EpochKeys.FreshSecret(), use: true, suite, kem);
            await to.Keys.ReceiveAsync(a.Session, Envelope.Sign(a.Identity, a.Session, to.Session, body), Ct);
            Assert.Null(to.Keys.SecretOf(3));
            Assert.Equal(2, to.Keys.SendingEpoch);
        }
        Assert.Equal(0, call.Relay.Queued);                                              // nothing acked, nothing asked

        // The control: the same wrap naming its own KEM is taken.
        byte[] taken = EpochKeys.FreshSecret();
        await b.Keys.ReceiveAsync(a.Session, Envelope.Sign(a.Identity, a.Session, b.Session, Envelope.KeyBody(b, a.Session, 3, taken, use: true, xWing, "\"x-wing\"")), Ct);
        Assert.Equal(taken, b.Keys.SecretOf(3));
    }

    [Fact]
    public void Requests_are_cut_by_size_in_order()
    {
        static CallKeyMessage Message(int i, int length) => new($"s-{i:D3}", new string('d', length));
        Assert.Empty(CallKeys.Batches([]));

        // Greedy, in order: a request is closed when the next message would not fit.
        CallKeyMessage[] wraps = [.. Enumerable.Range(0, 60).Select(i => Message(i, 1_800))];
        CallKeyMessage[][] cut = [.. CallKeys.Batches(wraps)];
        Assert.Equal(wraps, cut.SelectMany(b => b));
        Assert.All(cut, b => Assert.True(b.Sum(CallKeys.BatchedLength) <= CallKeys.MaxBatchChars));
        Assert.All(cut[..^1], b => Assert.True(b.Sum(CallKeys.BatchedLength) + CallKeys.BatchedLength(wraps[0]) > CallKeys.MaxBatchChars));
        int perRequest = CallKeys.MaxBatchChars / CallKeys.BatchedLength(wraps[0]);   // 26 of 1,821
        Assert.Equal([perRequest, perRequest, 60 - 2 * perRequest], cut.Select(b => b.Length));

        // Exactly at the limit fits; one more character does not. (Each message counts its data, 5 for "s-000" and 16.)
        Assert.Equal(10_021, CallKeys.BatchedLength(Message(0, 10_000)));
        int rest = CallKeys.MaxBatchChars - 10_021 - 21;
        Assert.Equal([2], CallKeys.Batches([Message(0, 10_000), Message(1, rest)]).Select(b => b.Length));
        Assert.Equal([1, 1], CallKeys.Batches([Message(0, 10_000), Message(1, rest + 1)]).Select(b => b.Length));
        // A message larger than a request on its own still goes, alone (signaling bounds data at 8,192 characters).
        Assert.Equal([1, 1, 1], CallKeys.Batches([Message(0, 10), Message(1, 60_000), Message(2, 10)]).Select(b => b.Length));
        // Short notes: at most MaxBatchMessages a request.
        Assert.Equal([CallKeys.MaxBatchMessages, 100], CallKeys.Batches([.. Enumerable.Range(0, 600).Select(i => Message(i, 10))]).Select(b => b.Length));
    }

    [Fact]
    public async Task Every_request_of_a_large_call_fits_in_a_signaling_message()
    {
        // 120 members with X-Wing keys: the leader leaves, and the next one wraps 118 X-Wing secrets.
        await using var call = new Call();
        for (int i = 0; i < 120; i++) await call.JoinAsync(updateOthers: false);
        await call.UpdateAllAsync();
        await call.SettleAsync();
        long epoch = call.Leader.Keys.SendingEpoch!.Value;
        call.AssertAllOn(epoch);
        int before = call.Relay.Sends.Count;
        await call.LeaveAsync(call.Leader);
        await call.SettleAsync();
        call.AssertAllOn(epoch + 1);

        List<(string From, IReadOnlyList<CallKeyMessage> Messages, int Length)> sends = [.. call.Relay.Sends.Skip(before)];
        int wraps = sends.Sum(x => x.Messages.Count(m => new Relayed(x.From, m.To, m.Data).Kind == "key"));
        Assert.Equal(118, wraps);
        foreach ((string _, IReadOnlyList<CallKeyMessage> messages, int length) in sends)
        {
            Assert.True(length <= CallKeys.MaxBatchChars, $"a request of {length} characters");
            Assert.All(messages, m => Assert.InRange(m.Data.Length, 1, 8192));           // SignalLimits.MaxE2eeDataLength
            // The e2ee-send message as the signaling client writes it (JSON, escaped): under 64 KiB (SignalLimits.MaxMessageBytes).
            byte[] request = JsonSerializer.SerializeToUtf8Bytes(new { v = 1, type = "e2ee-send", id = "r-0123456789", messages = messages.Select(m => new { to = m.To, data = m.Data }) });
            Assert.True(request.Length < 64 * 1024, $"an e2ee-send of {request.Length} bytes");
        }
        output.WriteLine($"118 X-Wing wraps in {sends.Count(x => x.From == call.Leader.Session) - 1} requests; largest e2ee-send {sends.Max(x => x.Length)} characters of entries");
    }

    /// <summary>One request: its sender, its messages, how many are wraps, and its length as MaxBatchChars counts it.</summary>
    private sealed record Sent(string From, int Count, int Wraps, int Length);

    /// <summary>The requests of <paramref name="leader"/> that carry wraps.</summary>
    private static int WrapBatches(List<Sent> sends, Member leader) => sends.Count(x => x.From == leader.Session && x.Wraps > 0);

    private static async Task<(int Requests, int Delivered, int Wraps, Dictionary<string, int> By, List<Sent> Sends)> MeasureAsync(Call call, Func<Task> change)
    {
        int requests = call.Relay.Requests, delivered = call.Relay.DeliveredCount, addressed = call.Relay.Addressed.Count, sent = call.Relay.Sends.Count;
        var by = new Dictionary<string, int>(call.Relay.RequestsBy);
        await change();
        await call.SettleAsync();
        Assert.Equal(0, call.Time.ActiveTimers);                           // every ack came: nobody waited for the timeout
        List<Sent> sends = [.. call.Relay.Sends.Skip(sent).Select(x =>
            new Sent(x.From, x.Messages.Count, x.Messages.Count(m => new Relayed(x.From, m.To, m.Data).Kind == "key"), x.Length))];
        Assert.All(sends, x => Assert.True(x.Length <= CallKeys.MaxBatchChars && x.Count <= CallKeys.MaxBatchMessages));
        return (call.Relay.Requests - requests, call.Relay.DeliveredCount - delivered,
            call.Relay.Addressed.Skip(addressed).Count(m => m.Kind == "key"),
            call.Relay.RequestsBy.ToDictionary(kv => kv.Key, kv => kv.Value - by.GetValueOrDefault(kv.Key)), sends);
    }
}
