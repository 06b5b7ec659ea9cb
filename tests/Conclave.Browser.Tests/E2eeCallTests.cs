using System.Security.Cryptography;
using System.Text.Json;
using Conclave.Client;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;
using Conclave.E2ee.SFrame;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Browser.Tests;

/// <summary>
/// End-to-end encrypted calls (docs/e2ee.md): Chromium pages sign their membership, share keys only with the signed
/// roster, encrypt every frame in a worker, and show one security code; the SFU only ever sees SFrame ciphertext.
/// </summary>
public sealed class E2eeCallTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const int Frames = 30;

    [Fact]
    public async Task Three_pages_decode_each_other_without_decrypt_errors_show_one_security_code_and_send_only_ciphertext()
    {
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit", "Chloé Durand");
        List<(string Session, byte[] Key)> identities = [];
        foreach (Person person in call.People) identities.Add(await IdentityAsync(person));

        string code = SecurityCode.Compute(identities.Select(i => (ReadOnlyMemory<byte>)i.Key));
        foreach (Person person in call.People)
        {
            await person.WaitForStateAsync($"s.securityCode === '{code}' && s.inbound.length === 4 && {NoDecryptErrors}");
            await Microsoft.Playwright.Assertions.Expect(person.Page.Locator("#security-code")).ToContainTextAsync(code);
            Assert.Empty(person.PageErrors);
        }

        // What each page sends, as the SFU receives it: SFrame ciphertext under that page's KIDs, camera and microphone.
        foreach ((string session, byte[] key) in identities) await AssertCiphertextAsync(session, key, default, TrackSource.Camera, TrackSource.Microphone);
    }

    [Fact]
    public async Task After_someone_leaves_the_others_move_to_a_fresh_key_epoch_and_keep_decoding()
    {
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit", "Chloé Durand");
        (Person alice, Person bruno, Person chloe) = (call.People[0], call.People[1], call.People[2]);
        (string aliceId, byte[] aliceKey) = await IdentityAsync(alice);
        int chloesEpoch = (await chloe.Page.EvaluateAsync<int>("() => window.conclave.state().keyEpoch"));

        await chloe.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Leave" }).ClickAsync();
        foreach (Person person in new[] { alice, bruno })
        {
            await person.WaitForStateAsync($"s.participants.length === 2 && s.keyEpoch > {chloesEpoch}");
        }

        // Alice now sends under an epoch Chloé never got; Bruno decrypts it, with no error and no black frames.
        CaptureMark rotated = fixture.Capture.Mark();
        int decoded = await bruno.Page.EvaluateAsync<int>(
            $"() => window.conclave.state().inbound.find(i => i.participantId === '{aliceId}' && i.kind === 'video').framesDecoded");
        await bruno.WaitForStateAsync(
            $"s.inbound.some(i => i.participantId === '{aliceId}' && i.kind === 'video' && i.framesDecoded > {decoded + Frames}) && {NoDecryptErrors}");
        await alice.WaitForStateAsync(NoDecryptErrors);
        int aliceEpoch = await alice.Page.EvaluateAsync<int>("() => window.conclave.state().keyEpoch");
        await fixture.Capture.WaitForFramesAsync(aliceId, TrackSource.Microphone, Frames, rotated);
        List<int> epochs = [.. fixture.Capture.Frames(aliceId, TrackSource.Microphone, rotated).Select(EpochOf).Distinct()];
        output.WriteLine($"Chloé left at epoch {chloesEpoch}; Alice's microphone frames since: epochs {string.Join(", ", epochs)}");
        Assert.Contains(aliceEpoch & 0xff, epochs);
        await AssertCiphertextAsync(aliceId, aliceKey, default, TrackSource.Camera, TrackSource.Microphone);
    }

    [Fact]
    public async Task The_keys_a_participant_held_decrypt_the_call_until_it_leaves_and_nothing_sent_after_the_rotation()
    {
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit");
        (Person alice, Person bruno) = (call.People[0], call.People[1]);
        (string aliceId, _) = await IdentityAsync(alice);

        // Léa joins from the .NET client (keys only, no media) and keeps every key she is given, as a leaver could.
        using DeviceIdentity lea = DeviceIdentity.Generate();
        using var held = new KeptKeys();
        await using SignalingClient signaling = await ConnectAsync(call.Room, "Léa Partie", lea);
        await using EncryptedCall leasCall = await EncryptedCall.JoinAsync(signaling, lea, call.Room, held, cancellationToken: TestContext.Current.CancellationToken);
        await Calls.WaitUntilAsync(() => leasCall.Keys.SendingEpoch is not null);
        long shared = leasCall.Keys.SendingEpoch!.Value;
        foreach (Person person in call.People)
        {
            await person.WaitForStateAsync($"s.participants.length === 3 && s.participants.every(p => p.signed) && s.keyEpoch === {shared}");
        }

        // While she is in the call, her keys open what Alice sends.
        CaptureMark together = fixture.Capture.Mark();
        await fixture.Capture.WaitForFramesAsync(aliceId, TrackSource.Microphone, Frames, together);
        IReadOnlyList<CapturedFrame> before = fixture.Capture.Frames(aliceId, TrackSource.Microphone, together);
        Assert.All(before, frame => Assert.Equal(SFrameStatus.Ok, held.TryDecrypt(frame.Head)));

        // She leaves; Alice and Bruno move to a fresh epoch, and nothing Léa holds opens what Alice sends then.
        await leasCall.LeaveAsync(TestContext.Current.CancellationToken);
        foreach (Person person in call.People) await person.WaitForStateAsync($"s.participants.length === 2 && s.keyEpoch > {shared}");
        CaptureMark rotated = fixture.Capture.Mark();
        await fixture.Capture.WaitForFramesAsync(aliceId, TrackSource.Microphone, Frames, rotated);
        IReadOnlyList<CapturedFrame> after = fixture.Capture.Frames(aliceId, TrackSource.Microphone, rotated);
        Assert.All(after, frame => Assert.NotEqual(SFrameStatus.Ok, held.TryDecrypt(frame.Head)));
        output.WriteLine($"Léa held {held.Count} keys (epoch {shared}); {before.Count} frames opened before she left, 0 of {after.Count} after");
        await bruno.WaitForStateAsync(
            $"s.inbound.some(i => i.participantId === '{aliceId}' && i.kind === 'audio' && i.framesDecrypted > 0) && {NoDecryptErrors}");
    }

    [Fact]
    public async Task Pages_wrap_keys_to_each_other_with_X_Wing_and_a_dotnet_device_with_version_1_keys_gets_X25519_wraps()
    {
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit");
        (Person alice, Person bruno) = (call.People[0], call.People[1]);
        string aliceId = (await alice.StateAsync()).SessionId!, brunoId = (await bruno.StateAsync()).SessionId!;

        // Alice joined first and leads: the key she wrapped to Bruno, as the server relayed it to him, is an X-Wing wrap.
        Assert.Contains(Wraps(bruno), w => !w.Sent && w.Peer == aliceId);
        Assert.All(Wraps(bruno).Where(w => !w.Sent && w.Peer == aliceId), w => Assert.Equal(("x-wing", 1120), (w.Kem, w.EncLength)));
        Assert.All(Wraps(alice).Where(w => w.Sent && w.Peer == brunoId), w => Assert.Equal(("x-wing", 1120), (w.Kem, w.EncLength)));

        // Léa joins from the .NET client with an identity made before X-Wing: she registers device keys version 1, and
        // Alice wraps to her with X25519.
        using DeviceIdentity lea = DeviceIdentity.FromPrivateKeys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        Assert.Equal(DevicePublicKeys.Version1Length, DevicePublicKeys.Of(lea).ToBytes().Length);
        using var held = new KeptKeys();
        await using SignalingClient signaling = await ConnectAsync(call.Room, "Léa Partie", lea);
        await using EncryptedCall leasCall = await EncryptedCall.JoinAsync(signaling, lea, call.Room, held, cancellationToken: TestContext.Current.CancellationToken);
        string leaId = leasCall.Joined.SessionId;
        await Calls.WaitUntilAsync(() => leasCall.Keys.SendingEpoch is not null);
        long shared = leasCall.Keys.SendingEpoch!.Value;
        foreach (Person person in call.People)
            await person.WaitForStateAsync($"s.participants.length === 3 && s.participants.every(p => p.signed) && s.keyEpoch === {shared}");
        (bool Sent, string Peer, string? Kem, int EncLength) toLea = Assert.Single(Wraps(alice), w => w.Sent && w.Peer == leaId);
        Assert.Equal((null, 32), (toLea.Kem, toLea.EncLength));

        // Alice leaves: Bruno leads, and wraps a fresh epoch to Léa with X25519.
        await alice.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Leave" }).ClickAsync();
        await bruno.WaitForStateAsync($"s.participants.length === 2 && s.keyEpoch > {shared}");
        long afterLeave = await bruno.Page.EvaluateAsync<long>("() => window.conclave.state().keyEpoch");
        await Calls.WaitUntilAsync(() => leasCall.Keys.SendingEpoch == afterLeave);
        (bool Sent, string Peer, string? Kem, int EncLength) brunoToLea = Assert.Single(Wraps(bruno), w => w.Sent && w.Peer == leaId);
        Assert.Equal((null, 32), (brunoToLea.Kem, brunoToLea.EncLength));

        // Alice comes back (a new session): Bruno wraps to her with X-Wing, and she to nobody yet; both pages decrypt
        // each other, and Léa holds the same epoch.
        await alice.Page.ReloadAsync();
        await alice.WaitForStateAsync("s.joined && s.e2ee === 'on' && s.participants.length === 3 && s.participants.every(p => p.signed)");
        string aliceAgain = (await alice.StateAsync()).SessionId!;
        Assert.NotEqual(aliceId, aliceAgain);
        long rejoined = await alice.Page.EvaluateAsync<long>("() => window.conclave.state().keyEpoch");
        await bruno.WaitForStateAsync($"s.keyEpoch === {rejoined}");
        await Calls.WaitUntilAsync(() => leasCall.Keys.SendingEpoch == rejoined);
        (bool Sent, string Peer, string? Kem, int EncLength) brunoToAlice = Assert.Single(Wraps(alice), w => !w.Sent && w.Peer == brunoId);
        Assert.Equal(("x-wing", 1120), (brunoToAlice.Kem, brunoToAlice.EncLength));
        (bool Sent, string Peer, string? Kem, int EncLength) sentToAlice = Assert.Single(Wraps(bruno), w => w.Sent && w.Peer == aliceAgain);
        Assert.Equal(("x-wing", 1120), (sentToAlice.Kem, sentToAlice.EncLength));
        await alice.WaitForStateAsync($"s.inbound.some(i => i.participantId === '{brunoId}' && i.kind === 'audio' && i.framesDecrypted > 0) && {NoDecryptErrors}");
        await bruno.WaitForStateAsync($"s.inbound.some(i => i.participantId === '{aliceAgain}' && i.kind === 'audio' && i.framesDecrypted > 0) && {NoDecryptErrors}");
        // Every wrap Léa was ever sent is an X25519 one; every wrap between the pages an X-Wing one.
        Assert.All(Wraps(alice).Concat(Wraps(bruno)).Where(w => w.Peer == leaId), w => Assert.Equal((null, 32), (w.Kem, w.EncLength)));
        Assert.All(Wraps(alice).Concat(Wraps(bruno)).Where(w => w.Peer != leaId), w => Assert.Equal(("x-wing", 1120), (w.Kem, w.EncLength)));
        foreach (Person person in call.People) Assert.Empty(person.PageErrors);
    }

    /// <summary>
    /// The epoch-secret wraps (<c>key</c> messages) in <paramref name="person"/>'s signaling frames: those its page sent
    /// (<c>Sent</c>, <c>Peer</c> the recipient) and those the server relayed to it (<c>Peer</c> the sender), with the
    /// <c>kem</c> each names (null: none, DHKEM(X25519)) and the length of its enc.
    /// </summary>
    private static List<(bool Sent, string Peer, string? Kem, int EncLength)> Wraps(Person person)
    {
        var wraps = new List<(bool, string, string?, int)>();
        foreach ((bool sent, string text) in person.E2eeFrames)
        {
            using JsonDocument frame = JsonDocument.Parse(text);
            JsonElement root = frame.RootElement;
            string? type = root.TryGetProperty("type", out JsonElement t) ? t.GetString() : null;
            IEnumerable<(string Peer, string Data)> entries = (sent, type) switch
            {
                (true, "e2ee-send") => [.. root.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("to").GetString()!, m.GetProperty("data").GetString()!))],
                (false, "e2ee") => [(root.GetProperty("from").GetString()!, root.GetProperty("data").GetString()!)],
                _ => [],
            };
            foreach ((string peer, string data) in entries)
            {
                using JsonDocument envelope = JsonDocument.Parse(data);
                using JsonDocument body = JsonDocument.Parse(envelope.RootElement.GetProperty("body").GetString()!);
                JsonElement payload = body.RootElement;
                if (payload.GetProperty("k").GetString() != "key") continue;
                wraps.Add((sent, peer, payload.TryGetProperty("kem", out JsonElement kem) ? kem.GetString() : null,
                    payload.GetProperty("enc").GetBytesFromBase64().Length));
            }
        }
        return wraps;
    }

    [Fact]
    public async Task A_browser_without_RTCRtpScriptTransform_encrypts_through_encoded_streams_and_talks_with_one_that_has_it()
    {
        string room = await fixture.CreateRoomAsync();
        await using var call = new PeopleInCall(room);
        Person alice = await fixture.NewPersonAsync("Alice Martin", withMedia: true);
        call.Add(alice);
        // As in a browser that has only the older API (createEncodedStreams): the page takes the fallback.
        await alice.Page.AddInitScriptAsync("delete window.RTCRtpScriptTransform;");
        await alice.OpenAsync(await fixture.InviteAsync(room, "Alice Martin"));
        await Calls.JoinAsync(fixture, call, "Bruno Petit");
        foreach (Person person in call.People) await person.WaitForStateAsync($"{Calls.HearsAndSeesEveryone(2)} && {NoDecryptErrors}");
        Assert.False(await alice.Page.EvaluateAsync<bool>("() => 'RTCRtpScriptTransform' in window"));

        (string aliceId, byte[] aliceKey) = await IdentityAsync(alice);
        await AssertCiphertextAsync(aliceId, aliceKey, default, TrackSource.Camera, TrackSource.Microphone);
        foreach (Person person in call.People) Assert.Empty(person.PageErrors);
    }

    [Fact]
    public async Task A_participant_in_the_servers_roster_without_a_valid_statement_gets_no_keys_and_is_flagged()
    {
        string room = await fixture.CreateRoomAsync();
        await using var call = new PeopleInCall(room);
        Person alice = await Calls.JoinAsync(fixture, call, "Alice Martin");
        await alice.WaitForStateAsync("s.joined && s.e2ee === 'on'");

        // The ghost: in the server's roster with registered device keys, but its statement is signed by another key
        // (what a server adding a listener of its own, or replaying someone's keys, can at best produce).
        using DeviceIdentity registered = DeviceIdentity.Generate(), other = DeviceIdentity.Generate();
        await using SignalingClient ghost = await ConnectAsync(room, "Mallory Ghost", registered);
        JoinedMessage joined = await ghost.JoinAsync(room, TestContext.Current.CancellationToken);
        long joinVersion = joined.Participants.Single(p => p.SessionId == joined.SessionId).JoinVersion;
        byte[] forged = SignedRoster.Sign(other, MembershipKind.Join, room, joined.CallId, joined.SessionId, joinVersion,
            [registered.SigningPublicKey.ToArray()]);
        await ghost.RequestAsync<MembershipRecordedMessage>(new MembershipMessage { Statement = forged }, TestContext.Current.CancellationToken);

        Person bruno = await Calls.JoinAsync(fixture, call, "Bruno Petit");
        await bruno.WaitForStateAsync("s.joined");
        (string aliceId, byte[] aliceKey) = await IdentityAsync(alice);
        (string brunoId, byte[] brunoKey) = await IdentityAsync(bruno);
        string code = SecurityCode.Compute([aliceKey, brunoKey]);
        foreach ((Person person, string otherId) in new[] { (alice, brunoId), (bruno, aliceId) })
        {
            await person.WaitForStateAsync($$"""
                s.e2ee === 'on' && s.participants.length === 3 && s.securityCode === '{{code}}' &&
                s.participants.find(p => p.id === '{{joined.SessionId}}')?.signed === false &&
                s.participants.filter(p => p.id !== '{{joined.SessionId}}').every(p => p.signed) &&
                s.inbound.some(i => i.participantId === '{{otherId}}' && i.kind === 'video' && i.framesDecoded > 0) && {{NoDecryptErrors}}
                """);
            await Microsoft.Playwright.Assertions.Expect(person.Page.Locator($"#roster li[data-participant='{joined.SessionId}']"))
                .ToContainTextAsync("unsigned: gets no keys");
        }

        // Everything sent to the ghost's connection before this ping has reached it: not one key among it.
        await ghost.PingAsync(TestContext.Current.CancellationToken);
        List<SignalMessage> received = [];
        while (ghost.Events.TryRead(out SignalMessage? message)) received.Add(message);
        Assert.DoesNotContain(received, m => m is E2eeEvent);
        Assert.Contains(received, m => m is ParticipantJoinedEvent joinedEvent && joinedEvent.Participant.SessionId == brunoId);
    }

    [Fact]
    public async Task A_person_marked_verified_is_shown_so_and_a_new_key_of_theirs_raises_a_warning()
    {
        await using PeopleInCall call = await Calls.StartAsync(fixture, output, "Alice Martin", "Bruno Petit");
        (Person alice, Person bruno) = (call.People[0], call.People[1]);
        string brunoId = (await bruno.StateAsync()).SessionId!;
        await alice.WaitForStateAsync($"s.participants.find(p => p.id === '{brunoId}').verified === false");

        await alice.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Mark verified: Bruno Petit" }).ClickAsync();
        await alice.WaitForStateAsync($"s.participants.find(p => p.id === '{brunoId}').verified === true");
        await Microsoft.Playwright.Assertions.Expect(alice.Page.Locator($"#roster li[data-participant='{brunoId}']")).ToContainTextAsync("verified");
        await Microsoft.Playwright.Assertions.Expect(alice.Page.Locator("#key-warning")).ToBeHiddenAsync();

        // Bruno comes back as the same user with a new device key (a new device, or someone else holding his account).
        await bruno.Page.EvaluateAsync("""
            async () => {
              const { forgetDeviceIdentity } = await import('/e2ee/device-identity.js');
              await forgetDeviceIdentity();
            }
            """);
        await bruno.Page.ReloadAsync();
        await bruno.WaitForStateAsync("s.joined && s.e2ee === 'on'");
        string newBrunoId = (await bruno.StateAsync()).SessionId!;
        await alice.WaitForStateAsync(
            $"s.participants.find(p => p.id === '{newBrunoId}')?.keyChanged === true && !s.participants.find(p => p.id === '{newBrunoId}').verified");
        await Microsoft.Playwright.Assertions.Expect(alice.Page.Locator("#key-warning")).ToBeVisibleAsync();
        await Microsoft.Playwright.Assertions.Expect(alice.Page.Locator("#key-warning")).ToContainTextAsync("Bruno Petit");

        // Checked again with him: accepting the new key pins it.
        await alice.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Accept new key: Bruno Petit" }).ClickAsync();
        await alice.WaitForStateAsync($"s.participants.find(p => p.id === '{newBrunoId}').verified === true");
        await Microsoft.Playwright.Assertions.Expect(alice.Page.Locator("#key-warning")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Every_media_path_reaches_the_SFU_as_ciphertext_screen_renegotiation_and_reconnect_included()
    {
        string room = await fixture.CreateRoomAsync();
        await using var call = new PeopleInCall(room);
        Person alice = await fixture.NewPersonAsync("Alice Martin", withMedia: true);
        call.Add(alice);
        Microsoft.Playwright.IWebSocketRoute? signaling = null;
        await alice.Page.RouteWebSocketAsync("**/signal", route =>
        {
            signaling = route;
            route.ConnectToServer();
        });
        await alice.OpenAsync(await fixture.InviteAsync(room, "Alice Martin"));
        Person bruno = await Calls.JoinAsync(fixture, call, "Bruno Petit");
        foreach (Person person in call.People) await person.WaitForStateAsync(Calls.HearsAndSeesEveryone(2));
        (string aliceId, byte[] aliceKey) = await IdentityAsync(alice);

        // Camera and microphone from the start; the screen, added by a renegotiation.
        await AssertCiphertextAsync(aliceId, aliceKey, default, TrackSource.Camera, TrackSource.Microphone);
        CaptureMark sharing = fixture.Capture.Mark();
        await alice.Page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Share screen" }).ClickAsync();
        await bruno.WaitForStateAsync($"s.inbound.some(i => i.participantId === '{aliceId}' && i.trackId && s.tracks.some(t => t.trackId === i.trackId && t.source === 'screen') && i.framesDecoded > 0)");
        await AssertCiphertextAsync(aliceId, aliceKey, sharing, TrackSource.Screen, TrackSource.Camera, TrackSource.Microphone);

        // Someone joins: Alice renegotiates to receive them, her senders go on.
        Person chloe = await Calls.JoinAsync(fixture, call, "Chloé Durand");
        await chloe.WaitForStateAsync($"s.e2ee === 'on' && s.inbound.some(i => i.participantId === '{aliceId}' && i.kind === 'video' && i.framesDecoded > 0)");
        await alice.WaitForStateAsync("s.participants.length === 3 && s.inbound.filter(i => i.framesDecoded > 0 || i.framesDecrypted > 0).length >= 4");
        CaptureMark renegotiated = fixture.Capture.Mark();
        await AssertCiphertextAsync(aliceId, aliceKey, renegotiated, TrackSource.Screen, TrackSource.Camera, TrackSource.Microphone);

        // Alice's signaling drops: she resumes and restarts ICE; what she sends afterwards is still ciphertext.
        await signaling!.CloseAsync(new() { Code = 1001, Reason = "network change" });
        await alice.WaitForStateAsync("!s.connected");
        await alice.WaitForStateAsync($"s.connected && s.joined && s.sessionId === '{aliceId}'");
        CaptureMark reconnected = fixture.Capture.Mark();
        await AssertCiphertextAsync(aliceId, aliceKey, reconnected, TrackSource.Screen, TrackSource.Camera, TrackSource.Microphone);
        int decoded = await bruno.Page.EvaluateAsync<int>(
            $"() => window.conclave.state().inbound.find(i => i.participantId === '{aliceId}' && i.kind === 'audio').framesDecrypted");
        await bruno.WaitForStateAsync($"s.inbound.some(i => i.participantId === '{aliceId}' && i.kind === 'audio' && i.framesDecrypted > {decoded + Frames}) && {NoDecryptErrors}");
        foreach (Person person in call.People) Assert.Empty(person.PageErrors);
    }

    /// <summary>Every receive key a .NET participant was given, kept after it leaves (as a leaver could).</summary>
    private sealed class KeptKeys : ICallKeySink, IDisposable
    {
        private readonly Lock _lock = new();
        private readonly SFrameReceiver _receiver = new(retainedEpochs: SFrameReceiver.MaxRetainedEpochs);

        public int Count { get; private set; }

        public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey)
        {
        }

        public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey)
        {
            lock (_lock)
            {
                _receiver.AddKey(new SFrameKeyId(kid), baseKey);
                Count++;
            }
        }

        /// <summary>Opens an Opus frame (wholly SFrame ciphertext) with the key of its KID, if one was given.</summary>
        public SFrameStatus TryDecrypt(byte[] frame)
        {
            var plaintext = new byte[frame.Length];
            lock (_lock) return _receiver.Decrypt(frame, [], plaintext, out _);
        }

        public void Dispose() => _receiver.Dispose();
    }

    /// <summary>An invited user with <paramref name="identity"/>'s public keys registered, connected to signaling.</summary>
    private async Task<SignalingClient> ConnectAsync(string room, string name, DeviceIdentity identity)
    {
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(fixture.Server.BaseAddress);
        RedeemResponse user = await anonymous.RedeemInvitationAsync(new Uri(await fixture.InviteAsync(room, name)), TestContext.Current.CancellationToken);
        using ConclaveApiClient device = ConclaveApiClient.Create(fixture.Server.BaseAddress, user.Token);
        await device.RegisterDeviceAsync(identity, TestContext.Current.CancellationToken);
        var client = new SignalingClient();
        await client.ConnectAsync(fixture.Server.BaseAddress, user.Token, cancellationToken: TestContext.Current.CancellationToken);
        return client;
    }

    /// <summary>A page's session id and its device's signing key.</summary>
    private static async Task<(string Session, byte[] Key)> IdentityAsync(Person person)
    {
        string session = (await person.StateAsync()).SessionId!;
        string key = await person.Page.EvaluateAsync<string>("""
            async () => {
              const { loadDeviceIdentity } = await import('/e2ee/device-identity.js');
              return Array.from((await loadDeviceIdentity()).signingPublicKey, (b) => b.toString(16).padStart(2, '0')).join('');
            }
            """);
        return (session, Convert.FromHexString(key));
    }

    /// <summary>Every inbound track decrypts without error.</summary>
    private const string NoDecryptErrors = "s.inbound.every(i => i.decryptErrors === 0)";

    /// <summary>At least <see cref="Frames"/> frames of each source since <paramref name="since"/> reached the SFU, and all
    /// are SFrame ciphertext under the publisher's KIDs (VP8 keeping its uncompressed data chunk in clear, docs/e2ee.md).</summary>
    private async Task AssertCiphertextAsync(string session, byte[] signingKey, CaptureMark since, params TrackSource[] sources)
    {
        ulong index = EpochKeys.SenderIndex(session, signingKey);
        foreach (TrackSource source in sources)
        {
            await fixture.Capture.AssertSFrameCiphertextAsync(session, source, SfuCapture.KidOfSender(index), Frames, since,
                Vp8ClearPrefix.UncompressedDataChunk);
        }
    }

    /// <summary>The key epoch of an Opus frame: the low byte of its SFrame KID (RFC 9605 §4.3; docs/e2ee.md).</summary>
    private static int EpochOf(CapturedFrame frame) =>
        Conclave.E2ee.SFrame.SFrameHeader.TryRead(frame.Head, out var header, out _) == Conclave.E2ee.SFrame.SFrameHeaderStatus.Ok
            ? (int)(header.KeyId & 0xff) : -1;
}
