using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Calls;

/// <summary>
/// Every key-distribution message is signed by its sender's device (docs/e2ee.md, "Key distribution and rotation"):
/// HPKE base mode does not say who sealed a wrap and the relay's <c>from</c> is the server's word, so without the
/// signature a server could seal a secret of its choosing to a member's agreement key, say it comes from the leader,
/// and read everything that member then sends. Here the server (the test, through <see cref="FakeRelay.Inject"/>)
/// tries exactly that, and forges every other kind of message, in every way short of holding the sender's key.
/// </summary>
public sealed class CallKeysSignatureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How the server forges a message it cannot sign.</summary>
    public enum Forgery
    {
        /// <summary>Not forged: signed by the claimed sender for this call and recipient (the control).</summary>
        None,
        /// <summary>The payload alone, as messages were before they were signed.</summary>
        Bare,
        NoSignature,
        EmptySignature,
        SignatureNotBase64,
        SignatureNotText,
        RandomSignature,
        /// <summary>Signed by a key of the server's own.</summary>
        ServerKey,
        /// <summary>Signed by another member of the call (one the server controls, or whose device it stole).</summary>
        AnotherMembersKey,
        /// <summary>The sender's signature of a message to another member, replayed to this one.</summary>
        ForAnotherRecipient,
        ForAnotherRoom,
        ForAnotherCall,
        /// <summary>Signed by the sender's key, but as sent by another session.</summary>
        AsAnotherSender,
        /// <summary>The sender's signed message with its body changed afterwards.</summary>
        BodyAlteredAfterSigning,
        /// <summary>The sender's signature of another body of its own.</summary>
        SignatureOfAnotherBody,
        /// <summary>The sender's signature with one bit flipped.</summary>
        FlippedSignatureBit,
    }

    public static TheoryData<string, Forgery> Cases()
    {
        var data = new TheoryData<string, Forgery>();
        foreach (string kind in new[] { "key", "ratchet", "use", "use-missing", "ack", "need" })
            foreach (Forgery forgery in Enum.GetValues<Forgery>())
                data.Add(kind, forgery);
        return data;
    }

    /// <summary>
    /// a, b, c at epoch 2; d joins, and the acks and <c>use</c> notes of epoch 3 are lost, so a waits for acks (its
    /// timer runs), b, c and d hold epoch 3, b and c still send with 2 and d with nothing. Every forged message below
    /// would change that if it were taken; none may.
    /// </summary>
    private static async Task<(Call Call, Member A, Member B, Member C, Member D)> WaitingForAcksAsync()
    {
        var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        call.Relay.Drop = m => m.Kind is "ack" or "use";
        Member d = await call.JoinAndSettleAsync();
        call.Relay.Drop = null;
        Assert.Equal((2L, 2L, 2L, (long?)null), (a.Keys.SendingEpoch, b.Keys.SendingEpoch, c.Keys.SendingEpoch, d.Keys.SendingEpoch));
        Assert.Equal([1L, 2L, 3L], b.Keys.HeldEpochs);
        Assert.Equal(1, call.Time.ActiveTimers);
        return (call, a, b, c, d);
    }

    /// <summary>What the server would pass off as <paramref name="body"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    private static string Forge(Forgery forgery, Call call, Member from, Member to, string body)
    {
        Member other = call.Members.First(m => m != from && m != to);
        string Genuine(string b) => Envelope.Sign(from.Identity, from.Session, to.Session, b);
        string WithSignature(string b, string? sig) => JsonSerializer.Serialize(new { body = b, sig });
        switch (forgery)
        {
            case Forgery.None: return Genuine(body);
            case Forgery.Bare: return body;
            case Forgery.NoSignature: return JsonSerializer.Serialize(new { body });
            case Forgery.EmptySignature: return WithSignature(body, "");
            case Forgery.SignatureNotBase64: return WithSignature(body, "not base64!");
            case Forgery.SignatureNotText: return JsonSerializer.Serialize(new { body, sig = 12345 });
            case Forgery.RandomSignature: return WithSignature(body, Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
            case Forgery.ServerKey:
            {
                using DeviceIdentity server = DeviceIdentity.Generate();
                return Envelope.Sign(server, from.Session, to.Session, body);
            }
            case Forgery.AnotherMembersKey: return Envelope.Sign(other.Identity, from.Session, to.Session, body);
            case Forgery.ForAnotherRecipient: return Envelope.Sign(from.Identity, from.Session, other.Session, body);
            case Forgery.ForAnotherRoom: return Envelope.Sign(from.Identity, from.Session, to.Session, body, room: "room-2");
            case Forgery.ForAnotherCall: return Envelope.Sign(from.Identity, from.Session, to.Session, body, call: "call-2");
            case Forgery.AsAnotherSender: return Envelope.Sign(from.Identity, other.Session, to.Session, body);
            case Forgery.BodyAlteredAfterSigning:
            {
                // Signed over the same message with another epoch (or, for `need`, another kind); sent with this body.
                string signedBody = body.Contains("\"epoch\":", StringComparison.Ordinal)
                    ? body.Replace("\"epoch\":", "\"epoch\":1", StringComparison.Ordinal) : body.Replace("need", "nope", StringComparison.Ordinal);
                Assert.NotEqual(body, signedBody);
                return WithSignature(body, Convert.ToBase64String(Envelope.SignatureOf(Genuine(signedBody))));
            }
            case Forgery.SignatureOfAnotherBody:
                return WithSignature(body, Convert.ToBase64String(Envelope.SignatureOf(Genuine("{\"k\":\"bogus\"}"))));
            case Forgery.FlippedSignatureBit:
            {
                byte[] sig = Envelope.SignatureOf(Genuine(body));
                sig[^1] ^= 0x01;
                return WithSignature(body, Convert.ToBase64String(sig));
            }
            default: throw new ArgumentOutOfRangeException(nameof(forgery));
        }
    }

    /// <summary>Everything a forged message could change, as seen from outside.</summary>
    private static string Snapshot(Call call) => string.Join(" | ", call.Members.Select(m =>
        $"{m.Session}: sends {m.Keys.SendingEpoch} ({m.Sink.SendKeys.Count} keys), holds [{string.Join(',', m.Keys.HeldEpochs)}] "
        + $"{string.Join(',', m.Keys.HeldEpochs.Select(e => Convert.ToHexString(m.Keys.SecretOf(e)!)[..8]))}, {m.Sink.AllReceived.Count} receive keys, "
        + $"sent {m.Keys.Messages.Sends}")) + $" | relay requests {call.Relay.Requests}, timers {call.Time.ActiveTimers}";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_message_the_server_forges_is_dropped_and_the_same_message_signed_is_taken(string kind, Forgery forgery)
    {
        (Call call, Member a, Member b, Member c, Member d) = await WaitingForAcksAsync();
        await using Call _ = call;
        byte[] chosen = RandomNumberGenerator.GetBytes(32);                 // the server's secret, in a valid wrap to b
        List<(Member From, Member To, string Body)> messages = kind switch
        {
            "key" => [(a, b, Envelope.KeyBody(b, a.Session, 4, chosen, use: true))],
            "ratchet" => [(a, b, "{\"k\":\"ratchet\",\"epoch\":4}")],
            "use" => [(a, b, "{\"k\":\"use\",\"epoch\":3}")],                // b holds 3: it would send with it
            "use-missing" => [(a, b, "{\"k\":\"use\",\"epoch\":4}")],        // b lacks 4: it would answer `need`
            "ack" => [(b, a, "{\"k\":\"ack\",\"epoch\":3}"), (c, a, "{\"k\":\"ack\",\"epoch\":3}"), (d, a, "{\"k\":\"ack\",\"epoch\":3}")],
            "need" => [(b, a, "{\"k\":\"need\"}")],                          // the leader would wrap its newest secret to b
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        string before = Snapshot(call);
        Member[] recipients = [.. messages.Select(m => m.To).Distinct()];
        long receivedBefore = recipients.Sum(m => m.Keys.Messages.Received);
        foreach ((Member from, Member to, string body) in messages) call.Relay.Inject(from.Session, to.Session, Forge(forgery, call, from, to, body));
        await call.SettleAsync();

        if (forgery != Forgery.None)
        {
            Assert.Equal(receivedBefore + messages.Count, recipients.Sum(m => m.Keys.Messages.Received));   // delivered, counted, dropped
            Assert.Equal(before, Snapshot(call));                           // nothing installed, used, sent, or acked
        }
        else
        {
            Assert.NotEqual(before, Snapshot(call));                        // the control: the forgery was a message that matters
            if (kind == "key")
            {
                // Signed by the leader, the wrap is taken: b holds the chosen secret and sends with it. The signature
                // is all that stands between the server and b's media.
                Assert.Equal(chosen, b.Keys.SecretOf(4));
                Assert.Equal(4, b.Keys.SendingEpoch);
                Assert.Equal(EpochKeys.SenderKey(chosen, 4, b.Session, b.Identity.SigningPublicKey).BaseKey, b.Sink.SendKey!.Value.Key);
                return;
            }
        }

        // The call goes on: the leader switches after its timeout, and the next join works.
        call.Time.Advance(CallKeys.AckTimeout);
        await call.SettleAsync();
        call.AssertAllOn(3);
        await call.JoinAndSettleAsync();
        call.AssertAllOn(4);
        Assert.All(call.Members, m => Assert.NotEqual(chosen, m.Keys.SecretOf(4)));
    }

    [Fact]
    public async Task A_key_the_server_seals_to_a_member_in_the_leaders_name_is_never_installed_nor_sent_with()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAndSettleAsync();
        call.AssertAllOn(2);

        // The server's secret, sealed to b's agreement key with the HPKE info a wrap from the leader a has, for the
        // next epoch and for the current one, "use at once", in every form the server can make without a's key.
        byte[] chosen = RandomNumberGenerator.GetBytes(32);
        string before = Snapshot(call);
        int sinkBefore = b.Sink.AllReceived.Count;
        foreach (long epoch in new long[] { 2, 3, 100 })
        {
            string body = Envelope.KeyBody(b, a.Session, epoch, chosen, use: true);
            foreach (Forgery forgery in Enum.GetValues<Forgery>().Where(f => f != Forgery.None))
                call.Relay.Inject(a.Session, b.Session, Forge(forgery, call, a, b, body));
        }
        await call.SettleAsync();

        Assert.Equal(before, Snapshot(call));
        Assert.Equal(2, b.Keys.SendingEpoch);
        Assert.Equal(a.Keys.SecretOf(2), b.Keys.SecretOf(2));
        Assert.Null(b.Keys.SecretOf(3));
        Assert.Null(b.Keys.SecretOf(100));
        Assert.Equal(sinkBefore, b.Sink.AllReceived.Count);
        // b never sent with, nor accepted frames under, any key derived from the server's secret.
        HashSet<string> fromChosen = [.. new long[] { 2, 3, 100 }.SelectMany(e => call.Members.Select(m =>
            Convert.ToHexString(EpochKeys.SenderKey(chosen, e, m.Session, m.Identity.SigningPublicKey).BaseKey)))];
        Assert.DoesNotContain(b.Sink.SendKeys, k => fromChosen.Contains(Convert.ToHexString(k.Key)));
        Assert.DoesNotContain(b.Sink.AllReceived, k => fromChosen.Contains(Convert.ToHexString(k)));
        Assert.Equal(0, call.Relay.Queued);

        // The next epoch is the leader's, not the server's.
        await call.JoinAndSettleAsync();
        call.AssertAllOn(3);
        Assert.Equal(EpochKeys.Ratchet(a.Keys.SecretOf(2)!), b.Keys.SecretOf(3));
    }

    [Fact]
    public async Task A_forged_message_kept_until_its_sender_is_signed_is_verified_then_and_dropped()
    {
        await using var call = new Call();
        Member a = await call.JoinAndSettleAsync();
        Member b = await call.JoinAndSettleAsync();
        Member c = await call.JoinAsync(updateSelf: false);               // c's own roster event is late
        // Before c knows a is signed (let alone its key), the server slips it a key of its own, in a's name.
        byte[] chosen = RandomNumberGenerator.GetBytes(32);
        string body = Envelope.KeyBody(c, a.Session, 7, chosen, use: true);
        Forgery[] forgeries = [.. Enum.GetValues<Forgery>().Where(f => f != Forgery.None)];
        foreach (Forgery forgery in forgeries) call.Relay.Inject(a.Session, c.Session, Forge(forgery, call, a, c, body));
        await call.SettleAsync();
        Assert.Null(c.Keys.SendingEpoch);
        Assert.Empty(c.Keys.HeldEpochs);
        Assert.Equal(1 + forgeries.Length, c.Keys.Messages.Received);     // a's genuine key and the forgeries: all kept

        await c.Keys.UpdateRosterAsync(call.Roster(), Ct);
        await call.SettleAsync();
        call.AssertAllOn(2);
        Assert.Equal([2L], c.Keys.HeldEpochs);
        Assert.Equal(a.Keys.SecretOf(2), c.Keys.SecretOf(2));
        Assert.Equal(1 + forgeries.Length + 1, c.Keys.Messages.Received);   // and then `use` from a
    }

    [Fact]
    public async Task Every_message_is_signed_by_its_sender_for_its_call_and_recipient_as_call_keys_js_writes_it()
    {
        await using var call = new Call();
        for (int i = 0; i < 4; i++) await call.JoinAndSettleAsync();
        await call.LeaveAsync(call.Members[0]);
        await call.SettleAsync();
        call.AssertAllOn(4);
        Dictionary<string, DeviceIdentity> identities = call.Members.Concat(call.Gone).ToDictionary(m => m.Session, m => m.Identity);

        Assert.NotEmpty(call.Relay.Addressed);
        Assert.Equal(["ack", "key", "ratchet", "use"], call.Relay.Addressed.Select(m => m.Kind).Distinct().Order());
        foreach (Relayed m in call.Relay.Addressed)
        {
            // Exactly { body, sig }, in that order, `"` in the body escaped as JSON.stringify does.
            using JsonDocument envelope = JsonDocument.Parse(m.Data);
            Assert.Equal(["body", "sig"], envelope.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal("{\"body\":" + JsonEscaped(m.Body) + ",\"sig\":\"" + Convert.ToBase64String(Envelope.SignatureOf(m.Data)) + "\"}", m.Data);
            byte[] signed = EpochKeys.MessageToSign(Call.Room, Call.CallId, m.From, m.To, m.Body);
            Assert.True(DeviceIdentity.Verify(identities[m.From].SigningPublicKey, Envelope.SignatureOf(m.Data), signed), $"{m.From} → {m.To}: {m.Data}");
            Assert.All(identities.Where(i => i.Key != m.From), i => Assert.False(DeviceIdentity.Verify(i.Value.SigningPublicKey, Envelope.SignatureOf(m.Data), signed)));
        }
    }

    /// <summary>A string as JSON.stringify writes it, for the ASCII bodies CallKeys makes.</summary>
    private static string JsonEscaped(string text)
    {
        Assert.All(text, ch => Assert.InRange(ch, ' ', '~'));
        return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
