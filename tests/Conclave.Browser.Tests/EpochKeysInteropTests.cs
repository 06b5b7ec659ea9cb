using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// The call key schedule and key distribution are one protocol in the browser (Clients/web/e2ee/epoch-keys.js,
/// call-keys.js) and in .NET (Conclave.E2ee.Calls): the same sender indexes, KIDs, base keys, ratchets, HPKE infos and
/// signed message bytes; epoch secrets wrapped on one side open on the other; a call mixing a browser and .NET devices,
/// each signing its messages and verifying the others', agrees on every key through joins, leaves and a browser leader,
/// wrapping with X-Wing to devices that registered an X-Wing key (device keys version 2, read and written alike on both
/// sides) and with X25519 to the others; and the browser does not take a key the server seals to it in the leader's name.
/// </summary>
public sealed class EpochKeysInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Room = "salle-é";
    private const string CallId = "call-☎-1";

    private static readonly string[] Sessions = ["s-1", "séance-😀", "会议-参与者", "", new string('x', 300), "a\u0000b"];
    private static readonly long[] Epochs = [0, 1, 7, 255, 256, 1L << 40, (1L << 53) - 1];

    [Fact]
    public async Task The_browser_and_dotnet_derive_the_same_sender_indexes_keys_ratchets_and_wrap_infos()
    {
        var inputs = new List<object>();
        var expected = new List<string>();
        for (int i = 0; i < Sessions.Length; i++)
        {
            string session = Sessions[i];
            byte[] signingKey = RandomNumberGenerator.GetBytes(32);
            byte[] secret = RandomNumberGenerator.GetBytes(32);
            long epoch = Epochs[i % Epochs.Length];
            string other = Sessions[(i + 1) % Sessions.Length];
            inputs.Add(new { session, other, signingKey = Convert.ToHexString(signingKey), secret = Convert.ToHexString(secret), epoch });
            (ulong kid, byte[] baseKey) = EpochKeys.SenderKey(secret, epoch, session, signingKey);
            expected.Add(string.Join(' ',
                EpochKeys.SenderIndex(session, signingKey), kid, Convert.ToHexStringLower(baseKey), Convert.ToHexStringLower(EpochKeys.Ratchet(secret)),
                Convert.ToHexStringLower(EpochKeys.WrapInfo(Room, CallId, session, other, epoch)),
                Convert.ToHexStringLower(EpochKeys.WrapInfo(other, session, "", other, Epochs[Epochs.Length - 1 - i % Epochs.Length]))));
        }

        await using Person page = await OpenAsync();
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>("""
            async ({ room, call, inputs, epochs }) => {
              const K = await import('/e2ee/epoch-keys.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const out = [];
              for (const [i, x] of inputs.entries()) {
                const index = await K.senderIndex(x.session, hex(x.signingKey));
                const { kid, baseKey } = await K.senderKey(hex(x.secret), x.epoch, x.session, hex(x.signingKey));
                out.push([
                  String(index), String(kid), toHex(baseKey), toHex(await K.ratchet(hex(x.secret))),
                  toHex(K.wrapInfo({ room, call, from: x.session, to: x.other, epoch: x.epoch })),
                  toHex(K.wrapInfo({ room: x.other, call: x.session, from: '', to: x.other, epoch: epochs[epochs.length - 1 - i % epochs.length] })),
                ].join(' '));
              }
              return out;
            }
            """, new { room = Room, call = CallId, inputs, epochs = Epochs });
        Assert.Equal(expected, fromBrowser);
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task The_browser_and_dotnet_sign_the_same_message_bytes()
    {
        (string Room, string Call, string From, string To, string Body)[] inputs =
        [
            (Room, CallId, "s-a", "s-browser", "{\"k\":\"ack\",\"epoch\":3}"),
            ("room-1", "call-7", "séance-😀", "会议-参与者", "{\"k\":\"need\"}"),
            ("", "", "", "", ""),
            ("a\u0000b", "ß", new string('x', 300), "😀", "{\"k\":\"key\",\"epoch\":9007199254740991,\"enc\":\"q+/=\",\"ct\":\"\",\"use\":true}"),
            ("salle é", "call-☎-1", "s-1", "s-2", "body é 😀 会议 \u0000 \\ \" \u2028 " + new string('é', 40_000)),
        ];
        string[] expected = [.. inputs.Select(x => Convert.ToHexStringLower(EpochKeys.MessageToSign(x.Room, x.Call, x.From, x.To, x.Body)))];

        await using Person page = await OpenAsync();
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>("""
            async (inputs) => {
              const K = await import('/e2ee/epoch-keys.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              return inputs.map((x) => toHex(K.messageToSign({ room: x.room, call: x.call, from: x.from, to: x.to, body: x.body })));
            }
            """, inputs.Select(x => new { room = x.Room, call = x.Call, from = x.From, to = x.To, body = x.Body }).ToArray());
        Assert.Equal(expected, fromBrowser);
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task An_epoch_secret_wrapped_on_one_side_opens_on_the_other_only_with_its_own_info()
    {
        await using Person page = await OpenAsync();
        string browserKey = await page.Page.EvaluateAsync<string>("""
            async () => {
              const H = await import('/e2ee/hpke.js');
              window.deviceKey = await H.generateKeyPair();
              return Array.from(window.deviceKey.publicKeyBytes, (b) => b.toString(16).padStart(2, '0')).join('');
            }
            """);

        // .NET wraps to the browser's device key, the browser opens with wrapInfo (and not with another recipient's).
        var wraps = new List<object>();
        var secrets = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            byte[] secret = EpochKeys.FreshSecret();
            long epoch = Epochs[i];
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, Convert.FromHexString(browserKey),
                EpochKeys.WrapInfo(Room, CallId, Sessions[i], Sessions[i + 1], epoch), [], secret, out byte[] enc, out byte[] ct));
            wraps.Add(new { from = Sessions[i], to = Sessions[i + 1], epoch, enc = Convert.ToBase64String(enc), ct = Convert.ToBase64String(ct) });
            secrets.Add(Convert.ToHexStringLower(secret));
        }
        string[] opened = await page.Page.EvaluateAsync<string[]>("""
            async ({ room, call, wraps }) => {
              const H = await import('/e2ee/hpke.js');
              const K = await import('/e2ee/epoch-keys.js');
              const { fromBase64 } = await import('/e2ee/signed-roster.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const out = [];
              for (const w of wraps) {
                const info = K.wrapInfo({ room, call, from: w.from, to: w.to, epoch: w.epoch });
                const wrong = K.wrapInfo({ room, call, from: w.from, to: w.to + '!', epoch: w.epoch });
                const r = await H.open(window.deviceKey, fromBase64(w.enc), info, new Uint8Array(0), fromBase64(w.ct));
                const bad = await H.open(window.deviceKey, fromBase64(w.enc), wrong, new Uint8Array(0), fromBase64(w.ct));
                out.push(r.ok && !bad.ok ? toHex(r.pt) : `failed: ${r.error} / wrong info opened: ${bad.ok}`);
              }
              return out;
            }
            """, new { room = Room, call = CallId, wraps });
        Assert.Equal(secrets, opened);

        // The browser wraps to a .NET device key, .NET opens with WrapInfo (and not with another epoch's).
        using HpkeKeyPair device = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);
        JsonElement fromBrowser = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ room, call, publicKey, sessions, epochs }) => {
              const H = await import('/e2ee/hpke.js');
              const K = await import('/e2ee/epoch-keys.js');
              const { toBase64 } = await import('/e2ee/signed-roster.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const out = [];
              for (let i = 0; i < 4; i++) {
                const secret = K.freshSecret();
                const info = K.wrapInfo({ room, call, from: sessions[i + 1], to: sessions[i], epoch: epochs[i] });
                const { enc, ct } = await H.seal(hex(publicKey), info, new Uint8Array(0), secret);
                out.push({ secret: toHex(secret), enc: toBase64(enc), ct: toBase64(ct) });
              }
              return out;
            }
            """, new { room = Room, call = CallId, publicKey = Convert.ToHexString(device.PublicKey), sessions = Sessions, epochs = Epochs });
        Assert.Equal(4, fromBrowser.GetArrayLength());
        int n = 0;
        foreach (JsonElement wrap in fromBrowser.EnumerateArray())
        {
            byte[] enc = Convert.FromBase64String(wrap.GetProperty("enc").GetString()!);
            byte[] ct = Convert.FromBase64String(wrap.GetProperty("ct").GetString()!);
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, device, enc,
                EpochKeys.WrapInfo(Room, CallId, Sessions[n + 1], Sessions[n], Epochs[n]), [], ct, out byte[] secret));
            Assert.Equal(wrap.GetProperty("secret").GetString(), Convert.ToHexStringLower(secret));
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, device, enc,
                EpochKeys.WrapInfo(Room, CallId, Sessions[n + 1], Sessions[n], Epochs[n] + 1), [], ct, out _));
            n++;
        }
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task A_call_of_dotnet_devices_and_a_browser_agrees_on_every_key_whoever_leads()
    {
        await using Person page = await OpenAsync();
        await using var call = new MixedCall(page.Page);
        await call.StartBrowserAsync("s-browser");

        Member a = await call.JoinDotnetAsync("s-a");                     // a leads, alone: epoch 0
        await call.AssertAgreeAsync(0);
        await call.JoinBrowserAsync();                                     // a wraps a fresh epoch to the browser (.NET → JS HPKE)
        await call.AssertAgreeAsync(1);
        Member c = await call.JoinDotnetAsync("s-c");                      // a ratchets: the browser ratchets in JS
        await call.AssertAgreeAsync(2);
        await call.LeaveAsync(a);                                          // the browser leads: a fresh epoch wrapped in JS to c
        await call.AssertAgreeAsync(3);
        await call.JoinDotnetAsync("s-d");                                 // the browser ratchets: a wrap to d, a ratchet note to c
        await call.AssertAgreeAsync(4);
        await call.LeaveAsync(c);                                          // the browser: a fresh epoch for d
        await call.AssertAgreeAsync(5);
        // Every kind of message crossed in both directions.
        foreach (string kind in new[] { "key", "ratchet", "use" })
        {
            Assert.Contains(call.Relayed, m => m.From != "s-browser" && m.To == "s-browser" && m.Kind == kind);
            Assert.Contains(call.Relayed, m => m.From == "s-browser" && m.Kind == kind);
        }
        Assert.Contains(call.Relayed, m => m.From == "s-browser" && m.Kind == "ack");
        Assert.Contains(call.Relayed, m => m.To == "s-browser" && m.Kind == "ack");
        // Every message relayed (the test checked each signature as it passed) was signed by its sender's device.
        Assert.All(call.Relayed, m => Assert.True(m.Signed, $"{m.From} → {m.To} {m.Kind} is not signed by {m.From}"));
        // Every device registered an X-Wing key, so every wrap, .NET → browser and browser → .NET, is an X-Wing wrap.
        Assert.All(call.Relayed.Where(m => m.Kind == "key"), m => Assert.Equal(("x-wing", 1120), (m.Kem, m.EncLength)));
        Assert.Contains(call.Relayed, m => m.Kind == "key" && m.To == "s-browser");
        Assert.Contains(call.Relayed, m => m.Kind == "key" && m.From == "s-browser");
        Assert.Equal(2, call.BrowserKeys.ToBytes()[0]);
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task A_browser_that_led_before_the_older_statement_arrived_follows_the_leaders_epochs_even_lower_ones()
    {
        await using Person page = await OpenAsync();
        await using var call = new MixedCall(page.Page);
        await call.StartBrowserAsync("s-browser");

        // a joined first, but its statement is late: the browser leads, alone (epoch 0), then with c (epoch 1).
        Member a = await call.JoinDotnetAsync("s-a", signed: false);
        await call.JoinBrowserAsync();
        await call.JoinDotnetAsync("s-c");
        using JsonDocument before = JsonDocument.Parse(await call.BrowserStateAsync());
        Assert.Equal(1, before.RootElement.GetProperty("epoch").GetInt64());

        // a's statement arrives: a, the oldest, leads from epoch 0 (it never saw the browser's epochs) with a fresh
        // secret, and the browser and c send with it.
        await call.SignLateAsync(a);
        await call.AssertAgreeAsync(0);
        using JsonDocument after = JsonDocument.Parse(await call.BrowserStateAsync());
        Assert.NotEqual(SendKey(before), SendKey(after));

        // The call goes on from a's epochs: a join ratchets them.
        await call.JoinDotnetAsync("s-d");
        await call.AssertAgreeAsync(1);
        Assert.Empty(page.PageErrors);

        static string SendKey(JsonDocument state) => state.RootElement.GetProperty("sink").GetProperty("send").GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task A_device_without_an_X_Wing_key_gets_X25519_wraps_from_the_browser_and_dotnet_the_others_X_Wing_ones()
    {
        await using Person page = await OpenAsync();
        await using var call = new MixedCall(page.Page);
        await call.StartBrowserAsync("s-browser");

        Member a = await call.JoinDotnetAsync("s-a");                      // X-Wing; a leads
        await call.JoinBrowserAsync();                                      // a → browser: X-Wing (.NET seals, JS opens)
        await call.AssertAgreeAsync(1);
        Member old = await call.JoinDotnetAsync("s-old", xWing: false);    // a → old: X25519
        await call.AssertAgreeAsync(2);
        await call.LeaveAsync(a);                                           // the browser leads: a fresh epoch, X25519 to old
        await call.AssertAgreeAsync(3);
        Member d = await call.JoinDotnetAsync("s-d");                      // browser → d: X-Wing (JS seals, .NET opens); old ratchets
        await call.AssertAgreeAsync(4);
        await call.LeaveAsync(old);                                         // browser → d: X-Wing
        await call.AssertAgreeAsync(5);

        (string From, string To, string? Kem, int EncLength)[] keys =
            [.. call.Relayed.Where(m => m.Kind == "key").Select(m => (m.From, m.To, m.Kem, m.EncLength))];
        Assert.Equal(
        [
            ("s-a", "s-browser", "x-wing", 1120),
            ("s-a", "s-old", null, 32),
            ("s-browser", "s-old", null, 32),
            ("s-browser", "s-d", "x-wing", 1120),
            ("s-browser", "s-d", "x-wing", 1120),
        ], keys);
        Assert.Equal(DevicePublicKeys.Version1Length, old.DeviceKeys.Length);
        Assert.All(call.Relayed, m => Assert.True(m.Signed));
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task The_browser_and_dotnet_cut_the_same_messages_into_the_same_requests()
    {
        var random = new Random(5);
        List<CallKeyMessage[]> lists =
        [
            [],
            [.. Enumerable.Range(0, 120).Select(i => new CallKeyMessage($"s-{i}", new string('d', 1_756)))],          // X-Wing wraps
            [.. Enumerable.Range(0, 700).Select(i => new CallKeyMessage($"session-{i}", new string('d', 142)))],       // notes
            [.. Enumerable.Range(0, 300).Select(i => new CallKeyMessage(new string('s', random.Next(1, 40)), new string('d', random.Next(1, 8_192))))],
            [new("a", new string('d', CallKeys.MaxBatchChars - 17)), new("b", "d"), new("c", new string('d', 60_000)), new("d", "d")],
        ];
        int[][] expected = [.. lists.Select(l => CallKeys.Batches(l).Select(b => b.Length).ToArray())];

        await using Person page = await OpenAsync();
        int[][] fromBrowser = await page.Page.EvaluateAsync<int[][]>("""
            async (lists) => {
              const { batches } = await import('/e2ee/call-keys.js');
              return lists.map((l) => batches(l.map(([to, length]) => ({ to, data: 'd'.repeat(length) }))).map((b) => b.length));
            }
            """, lists.Select(l => l.Select(m => new object[] { m.To, m.Data.Length }).ToArray()).ToArray());
        Assert.Equal(expected, fromBrowser);
        Assert.Empty(expected[0]);
        Assert.Equal([27, 27, 27, 27, 12], expected[1]);                                  // about 27 X-Wing wraps a request
        Assert.Equal([1, 1, 1, 1], expected[4]);                                          // full, then one too many; a huge one alone
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task Device_public_keys_version_1_and_2_read_and_write_the_same_in_the_browser_and_dotnet()
    {
        using DeviceIdentity identity = DeviceIdentity.Generate();
        byte[] v2 = DevicePublicKeys.Of(identity).ToBytes();
        byte[] v1 = new DevicePublicKeys(identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray()).ToBytes();
        string[] invalid =
        [
            "", Convert.ToBase64String(v1[..64]), Convert.ToBase64String([.. v1, 0]), Convert.ToBase64String(v2[..1280]), Convert.ToBase64String([.. v2, 0]),
            Convert.ToBase64String([2, .. v1[1..]]), Convert.ToBase64String([1, .. v2[1..]]), Convert.ToBase64String([3, .. v2[1..]]), "not base64!",
        ];
        Assert.All(invalid, b => Assert.False(DevicePublicKeys.TryRead(b == "not base64!" ? [] : Convert.FromBase64String(b), out _)));

        await using Person page = await OpenAsync();
        JsonElement result = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ v1, v2, invalid }) => {
              const K = await import('/e2ee/device-keys.js');
              const { loadDeviceIdentity } = await import('/e2ee/device-identity.js');
              const { toBase64, fromBase64 } = await import('/e2ee/signed-roster.js');
              const toHex = (a) => (a === null ? null : Array.from(a, (b) => b.toString(16).padStart(2, '0')).join(''));
              const show = (k) => (k === null ? null : [toHex(k.signingPublicKey), toHex(k.agreementPublicKey), toHex(k.xwingPublicKey)]);
              const me = await loadDeviceIdentity({ dbName: 'device-keys-interop' });
              const d1 = K.decodeDevicePublicKeys(v1), d2 = K.decodeDevicePublicKeys(fromBase64(v2));
              return {
                decoded: [show(d1), show(d2)],
                reencoded: [toBase64(K.encodeDevicePublicKeys(d1)), toBase64(K.encodeDevicePublicKeys(d2))],
                invalid: invalid.map((b) => K.decodeDevicePublicKeys(b)),
                mine: toBase64(K.encodeDevicePublicKeys(me)),
                mineV1: toBase64(K.encodeDevicePublicKeys({ signingPublicKey: me.signingPublicKey, agreementPublicKey: me.agreementPublicKey })),
                keys: [toHex(me.signingPublicKey), toHex(me.agreementPublicKey), toHex(me.xwingPublicKey)],
              };
            }
            """, new { v1 = Convert.ToBase64String(v1), v2 = Convert.ToBase64String(v2), invalid });

        string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);
        string?[][] decoded = [.. result.GetProperty("decoded").EnumerateArray().Select(k => k.EnumerateArray().Select(x => x.GetString()).ToArray())];
        Assert.Equal([Hex(identity.SigningPublicKey), Hex(identity.AgreementPublicKey), null], decoded[0]);
        Assert.Equal([Hex(identity.SigningPublicKey), Hex(identity.AgreementPublicKey), Hex(identity.XWingPublicKey)], decoded[1]);
        Assert.Equal([Convert.ToBase64String(v1), Convert.ToBase64String(v2)], result.GetProperty("reencoded").EnumerateArray().Select(x => x.GetString()));
        Assert.All(result.GetProperty("invalid").EnumerateArray(), x => Assert.Equal(JsonValueKind.Null, x.ValueKind));

        // The browser's own keys: version 2, read by .NET as the browser has them.
        string[] keys = [.. result.GetProperty("keys").EnumerateArray().Select(x => x.GetString()!)];
        byte[] mine = Convert.FromBase64String(result.GetProperty("mine").GetString()!);
        Assert.Equal(DevicePublicKeys.Version2Length, mine.Length);
        Assert.True(DevicePublicKeys.TryRead(mine, out DevicePublicKeys? read));
        Assert.Equal(keys, new[] { Hex(read!.SigningPublicKey.Span), Hex(read.AgreementPublicKey.Span), Hex(read.XWingPublicKey.Span) });
        Assert.Equal(mine, read.ToBytes());
        byte[] mineV1 = Convert.FromBase64String(result.GetProperty("mineV1").GetString()!);
        Assert.Equal(new DevicePublicKeys(read.SigningPublicKey, read.AgreementPublicKey).ToBytes(), mineV1);
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task The_browser_does_not_take_a_key_the_server_seals_to_it_in_the_leaders_name()
    {
        await using Person page = await OpenAsync();
        await using var call = new MixedCall(page.Page);
        await call.StartBrowserAsync("s-browser");
        Member a = await call.JoinDotnetAsync("s-a");                     // a leads
        await call.JoinBrowserAsync();
        Member c = await call.JoinDotnetAsync("s-c");
        await call.AssertAgreeAsync(2);

        // The server's secret, sealed to the browser's agreement key with the HPKE info of a wrap from the leader a,
        // for the next epoch, "use at once": a valid wrap, which only a's signature can make a key.
        byte[] chosen = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, call.BrowserKeys.AgreementPublicKey.Span,
            EpochKeys.WrapInfo(Room, CallId, a.Session, "s-browser", 3), [], chosen, out byte[] enc, out byte[] ct));
        string key = JsonSerializer.Serialize(new { k = "key", epoch = 3, enc = Convert.ToBase64String(enc), ct = Convert.ToBase64String(ct), use = true });
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, call.BrowserKeys.XWingPublicKey.Span,
            EpochKeys.WrapInfo(Room, CallId, a.Session, "s-browser", 3), [], chosen, out byte[] xEnc, out byte[] xCt));
        string xWingKey = JsonSerializer.Serialize(new { k = "key", epoch = 3, kem = "x-wing", enc = Convert.ToBase64String(xEnc), ct = Convert.ToBase64String(xCt), use = true });
        string Signed(DeviceIdentity signer, string body, string from = "s-a", string to = "s-browser", string room = Room, string callId = CallId) =>
            JsonSerializer.Serialize(new { body, sig = Convert.ToBase64String(signer.Sign(EpochKeys.MessageToSign(room, callId, from, to, body))) });
        string WithSignature(string body, byte[] sig) => JsonSerializer.Serialize(new { body, sig = Convert.ToBase64String(sig) });
        using DeviceIdentity server = DeviceIdentity.Generate();
        byte[] flipped = JsonDocument.Parse(Signed(a.Identity, key)).RootElement.GetProperty("sig").GetBytesFromBase64();
        flipped[^1] ^= 1;
        string ratchet = """{"k":"ratchet","epoch":3}""", use = """{"k":"use","epoch":3}""";
        string[] forged =
        [
            key,                                                          // bare, as messages were before they were signed
            JsonSerializer.Serialize(new { body = key }),                 // no signature
            WithSignature(key, RandomNumberGenerator.GetBytes(64)),
            WithSignature(key, flipped),
            Signed(server, key),                                          // the server's own key
            Signed(c.Identity, key),                                      // another member's key
            Signed(a.Identity, key, to: c.Session),                       // a's signature, for another recipient
            Signed(a.Identity, key, room: "room-2"),
            Signed(a.Identity, key, callId: "call-2"),
            Signed(a.Identity, key, from: c.Session),                     // a's key, as if c sent it
            WithSignature(key, JsonDocument.Parse(Signed(a.Identity, key.Replace("\"epoch\":3", "\"epoch\":4", StringComparison.Ordinal)))
                .RootElement.GetProperty("sig").GetBytesFromBase64()),    // a signed another body
            ratchet, WithSignature(ratchet, RandomNumberGenerator.GetBytes(64)), Signed(c.Identity, ratchet), Signed(a.Identity, ratchet, to: c.Session),
            use, Signed(server, use), Signed(a.Identity, use, callId: "call-2"),
            // The X-Wing wrap the server can make to the browser's X-Wing key, unsigned or signed by its own key.
            xWingKey, Signed(server, xWingKey), Signed(c.Identity, xWingKey),
            // Signed by a, but naming a KEM other than the wrap's, or none the browser knows: refused before opening.
            Signed(a.Identity, key.Replace("\"enc\"", "\"kem\":\"x-wing\",\"enc\"", StringComparison.Ordinal)),
            Signed(a.Identity, xWingKey.Replace("\"kem\":\"x-wing\"", "\"kem\":\"x25519\"", StringComparison.Ordinal)),
            Signed(a.Identity, xWingKey.Replace(",\"kem\":\"x-wing\"", "", StringComparison.Ordinal)),
            Signed(a.Identity, key.Replace("\"enc\"", "\"kem\":\"X25519\",\"enc\"", StringComparison.Ordinal)),
            Signed(a.Identity, key.Replace("\"enc\"", "\"kem\":null,\"enc\"", StringComparison.Ordinal)),
            Signed(a.Identity, key.Replace("\"enc\"", "\"kem\":32,\"enc\"", StringComparison.Ordinal)),
            Signed(a.Identity, xWingKey.Replace("\"kem\":\"x-wing\"", "\"kem\":\"ml-kem\"", StringComparison.Ordinal)),
        ];

        string before = await call.BrowserStateAsync();
        foreach (string data in forged) await call.DeliverToBrowserAsync(a.Session, data);
        Assert.Equal(before, await call.BrowserStateAsync());             // same epoch, same keys, nothing sent (no ack, no need)
        using (JsonDocument state = JsonDocument.Parse(await call.BrowserStateAsync()))
        {
            Assert.Equal(2, state.RootElement.GetProperty("epoch").GetInt64());
            Assert.Equal(0, state.RootElement.GetProperty("outbox").GetArrayLength());
            Assert.NotEqual(Convert.ToHexStringLower(EpochKeys.SenderKey(chosen, 3, "s-browser", call.BrowserKeys.SigningPublicKey.Span).BaseKey),
                state.RootElement.GetProperty("sink").GetProperty("send").GetProperty("key").GetString());
        }
        await call.AssertAgreeAsync(2);

        // The control: the same wrap signed by a is taken (here the X-Wing one, naming its KEM), and the browser sends
        // with the secret it carries. The signature is what kept the forgery out.
        await call.DeliverToBrowserAsync(a.Session, Signed(a.Identity, xWingKey));
        using (JsonDocument state = JsonDocument.Parse(await call.BrowserStateAsync()))
        {
            Assert.Equal(3, state.RootElement.GetProperty("epoch").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(EpochKeys.SenderKey(chosen, 3, "s-browser", call.BrowserKeys.SigningPublicKey.Span).BaseKey),
                state.RootElement.GetProperty("sink").GetProperty("send").GetProperty("key").GetString());
            JsonElement ack = Assert.Single(state.RootElement.GetProperty("outbox").EnumerateArray());
            Assert.Equal(a.Session, ack.GetProperty("to").GetString());
        }
        Assert.Empty(page.PageErrors);
    }

    private async Task<Person> OpenAsync()
    {
        Person page = await fixture.NewPersonAsync("Epoch keys interop");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        return page;
    }

    private sealed record Member(string Session, long JoinVersion, DeviceIdentity Identity, CallKeys Keys, Sink Sink, byte[] DeviceKeys, byte[] Membership);

    private sealed class Sink : ICallKeySink
    {
        public (ulong Kid, string Key)? Send { get; private set; }
        public Dictionary<ulong, string> Receive { get; } = [];

        public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey) => Send = (kid, Convert.ToHexStringLower(baseKey));

        public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey) => Receive[kid] = Convert.ToHexStringLower(baseKey);
    }

    /// <summary>A call of one browser page (call-keys.js) and .NET endpoints (CallKeys), the test relaying their
    /// <c>e2ee-send</c> messages as signaling would.</summary>
    private sealed class MixedCall(IPage page) : IAsyncDisposable
    {
        private readonly List<Member> _dotnet = [];
        private readonly List<Member> _gone = [];
        private readonly List<(string From, string To, string Data)> _outbox = [];
        private string _browser = "";
        private long _browserJoinVersion = -1;
        private string _browserKeys = "";
        private string _browserMembership = "";
        private long _version;

        /// <summary>Every message relayed: sender, recipient, its <c>k</c>, and whether its signature verified (here,
        /// with <see cref="EpochKeys.MessageToSign"/>) under its sender's key.</summary>
        public List<(string From, string To, string Kind, bool Signed, string? Kem, int EncLength)> Relayed { get; } = [];

        /// <summary>The browser's device public keys.</summary>
        public DevicePublicKeys BrowserKeys => DevicePublicKeys.TryRead(Convert.FromBase64String(_browserKeys), out DevicePublicKeys? keys) ? keys! : throw new InvalidOperationException("no browser keys");

        /// <summary>Hands <paramref name="data"/> to the browser as an <c>e2ee</c> event from <paramref name="from"/>
        /// (as the server could, whatever it is), without relaying what the browser says back.</summary>
        public async Task DeliverToBrowserAsync(string from, string data) =>
            await page.EvaluateAsync("(m) => window.keys.receive(m)", new { from, data });

        /// <summary>The browser's sending epoch, the keys its CallKeys gave the frame sink, and its unsent messages, as JSON.</summary>
        public async Task<string> BrowserStateAsync() =>
            await page.EvaluateAsync<string>("() => JSON.stringify({ epoch: window.keys.sendingEpoch, sink: window.sink, outbox: window.outbox })");

        public async Task StartBrowserAsync(string session)
        {
            _browser = session;
            _browserKeys = await page.EvaluateAsync<string>("""
                async ({ room, call, me }) => {
                  const { CallKeys } = await import('/e2ee/call-keys.js');
                  const { loadDeviceIdentity } = await import('/e2ee/device-identity.js');
                  const { encodeDevicePublicKeys } = await import('/e2ee/device-keys.js');
                  const { toBase64 } = await import('/e2ee/signed-roster.js');
                  const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
                  window.identity = await loadDeviceIdentity({ dbName: 'epoch-keys-interop' });
                  window.outbox = [];
                  window.sink = { send: null, receive: {} };
                  const signaling = {
                    request: async (m) => {
                      if (m.type !== 'e2ee-send') throw new Error(`unexpected request ${m.type}`);
                      for (const x of m.messages) window.outbox.push({ to: x.to, data: x.data });
                      return { type: 'e2ee-sent' };
                    },
                  };
                  const frames = {
                    setSendKey: (kid, key) => { window.sink.send = { kid: String(kid), key: toHex(key) }; },
                    addReceiveKey: (kid, key) => { window.sink.receive[String(kid)] = toHex(key); },
                  };
                  window.keys = new CallKeys(window.identity, signaling, frames);
                  await window.keys.setCall({ room, call, me });
                  return toBase64(encodeDevicePublicKeys(window.identity));
                }
                """, new { room = Room, call = CallId, me = session });
        }

        public async Task JoinBrowserAsync()
        {
            _browserJoinVersion = ++_version;
            _browserMembership = await page.EvaluateAsync<string>("""
                async ({ room, call, me, epoch }) => {
                  const { signMembership, MembershipKind } = await import('/e2ee/signed-roster.js');
                  return signMembership(window.identity, { kind: MembershipKind.Join, room, call, session: me, epoch, participants: [window.identity.signingPublicKey] });
                }
                """, new { room = Room, call = CallId, me = _browser, epoch = _browserJoinVersion });
            await RosterChangedAsync();
        }

        /// <summary>A .NET device joins; <paramref name="xWing"/> false: one made before X-Wing, registering device keys version 1.</summary>
        /// <param name="signed">False: its join statement is late (the roster lists it without one until <see cref="SignLateAsync"/>).</param>
        public async Task<Member> JoinDotnetAsync(string session, bool xWing = true, bool signed = true)
        {
            long version = ++_version;
            DeviceIdentity identity = xWing ? DeviceIdentity.Generate()
                : DeviceIdentity.FromPrivateKeys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
            var sink = new Sink();
            var keys = new CallKeys(identity, new Transport(this, session), sink);
            await keys.SetCallAsync(Room, CallId, session);
            byte[] membership = signed ? SignedRoster.Sign(identity, MembershipKind.Join, Room, CallId, session, version, [identity.SigningPublicKey.ToArray()]) : [];
            var member = new Member(session, version, identity, keys, sink, DevicePublicKeys.Of(identity).ToBytes(), membership);
            _dotnet.Add(member);
            await RosterChangedAsync();
            return member;
        }

        /// <summary>The late join statement of <paramref name="member"/> reaches the server, and everyone gets the roster.</summary>
        public async Task SignLateAsync(Member member)
        {
            Member signed = member with
            {
                Membership = SignedRoster.Sign(member.Identity, MembershipKind.Join, Room, CallId, member.Session, member.JoinVersion,
                    [member.Identity.SigningPublicKey.ToArray()]),
            };
            _dotnet[_dotnet.IndexOf(member)] = signed;
            await RosterChangedAsync();
        }

        public async Task LeaveAsync(Member member)
        {
            _version++;
            _dotnet.Remove(member);
            _gone.Add(member);
            await member.Keys.CloseAsync();
            await RosterChangedAsync();
        }

        private bool BrowserIn => _browserJoinVersion >= 0;

        private async Task RosterChangedAsync()
        {
            List<RosterMember> roster = [.. _dotnet.Select(m => new RosterMember(m.Session, m.JoinVersion, m.DeviceKeys, m.Membership))];
            if (BrowserIn) roster.Add(new RosterMember(_browser, _browserJoinVersion, Convert.FromBase64String(_browserKeys), Convert.FromBase64String(_browserMembership)));
            foreach (Member m in _dotnet) await m.Keys.UpdateRosterAsync(roster);
            if (BrowserIn)
            {
                await page.EvaluateAsync("(participants) => window.keys.updateRoster(participants)", roster.Select(p => new
                {
                    sessionId = p.SessionId, joinVersion = p.JoinVersion,
                    devicePublicKeys = Convert.ToBase64String(p.DevicePublicKeys.Span), membership = Convert.ToBase64String(p.Membership.Span),
                }).ToArray());
            }
            await PumpAsync();
        }

        /// <summary>Relays every message (the browser's and .NET's) until nobody has anything more to say.</summary>
        private async Task PumpAsync()
        {
            for (int round = 0; round < 1_000; round++)
            {
                if (BrowserIn)
                {
                    JsonElement sent = await page.EvaluateAsync<JsonElement>("() => window.outbox.splice(0)");
                    foreach (JsonElement m in sent.EnumerateArray())
                        _outbox.Add((_browser, m.GetProperty("to").GetString()!, m.GetProperty("data").GetString()!));
                }
                if (_outbox.Count == 0) return;
                (string from, string to, string data) = _outbox[0];
                _outbox.RemoveAt(0);
                Relayed.Add(Read(from, to, data));
                if (to == _browser && BrowserIn) await page.EvaluateAsync("(m) => window.keys.receive(m)", new { from, data });
                else if (_dotnet.FirstOrDefault(m => m.Session == to) is { } recipient) await recipient.Keys.ReceiveAsync(from, data);
            }
            Assert.Fail("the key exchange did not settle");
        }

        private (string From, string To, string Kind, bool Signed, string? Kem, int EncLength) Read(string from, string to, string data)
        {
            using JsonDocument envelope = JsonDocument.Parse(data);
            string body = envelope.RootElement.GetProperty("body").GetString()!;
            byte[] sig = envelope.RootElement.GetProperty("sig").GetBytesFromBase64();
            ReadOnlySpan<byte> signer = from == _browser ? BrowserKeys.SigningPublicKey.Span : _dotnet.Concat(_gone).Single(m => m.Session == from).Identity.SigningPublicKey;
            bool signed = DeviceIdentity.Verify(signer, sig, EpochKeys.MessageToSign(Room, CallId, from, to, body));
            using JsonDocument payload = JsonDocument.Parse(body);
            JsonElement root = payload.RootElement;
            return (from, to, root.GetProperty("k").GetString()!, signed,
                root.TryGetProperty("kem", out JsonElement kem) ? kem.GetString() : null,
                root.TryGetProperty("enc", out JsonElement enc) ? enc.GetBytesFromBase64().Length : 0);
        }

        /// <summary>Everyone sends with <paramref name="epoch"/>, and everyone holds everyone else's key of it.</summary>
        public async Task AssertAgreeAsync(long epoch)
        {
            var senders = new List<(string Session, ulong Kid, string Key)>();
            var receivers = new List<(string Session, IReadOnlyDictionary<ulong, string> Keys)>();
            foreach (Member m in _dotnet)
            {
                Assert.Equal(epoch, m.Keys.SendingEpoch);
                senders.Add((m.Session, m.Sink.Send!.Value.Kid, m.Sink.Send.Value.Key));
                receivers.Add((m.Session, m.Sink.Receive));
                Assert.Equal(_dotnet.Count + (BrowserIn ? 1 : 0), m.Keys.SignedKeys.Count);
                if (BrowserIn) Assert.True(m.Keys.IsSigned(_browser));
            }
            if (BrowserIn)
            {
                // As JSON text: Playwright's own serialisation of an object adds reference ids.
                using JsonDocument document = JsonDocument.Parse(await page.EvaluateAsync<string>(
                    "(ids) => JSON.stringify({ epoch: window.keys.sendingEpoch, sink: window.sink, signed: ids.map((id) => window.keys.isSigned(id)) })",
                    _dotnet.Select(m => m.Session).ToArray()));
                JsonElement state = document.RootElement;
                Assert.Equal(epoch, state.GetProperty("epoch").GetInt64());
                Assert.All(state.GetProperty("signed").EnumerateArray(), s => Assert.True(s.GetBoolean()));
                JsonElement sink = state.GetProperty("sink");
                JsonElement send = sink.GetProperty("send");
                senders.Add((_browser, ulong.Parse(send.GetProperty("kid").GetString()!, System.Globalization.CultureInfo.InvariantCulture), send.GetProperty("key").GetString()!));
                receivers.Add((_browser, sink.GetProperty("receive").EnumerateObject()
                    .ToDictionary(p => ulong.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), p => p.Value.GetString()!)));
            }
            foreach ((string sender, ulong kid, string key) in senders)
            {
                Assert.Equal((ulong)epoch & 0xff, kid & 0xff);
                foreach ((string receiver, IReadOnlyDictionary<ulong, string> keys) in receivers.Where(r => r.Session != sender))
                {
                    Assert.True(keys.TryGetValue(kid, out string? held), $"{receiver} lacks {sender}'s key of epoch {epoch}");
                    Assert.Equal(key, held);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (Member m in _dotnet.Concat(_gone))
            {
                await m.Keys.DisposeAsync();
                m.Identity.Dispose();
            }
        }

        private sealed class Transport(MixedCall call, string from) : ICallKeyTransport
        {
            public Task SendAsync(IReadOnlyList<CallKeyMessage> messages, CancellationToken cancellationToken)
            {
                foreach (CallKeyMessage m in messages) call._outbox.Add((from, m.To, m.Data));
                return Task.CompletedTask;
            }
        }
    }
}
