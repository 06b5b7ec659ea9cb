using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Hpke;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// The web client's device identity (Clients/web/e2ee/device-identity.js, issue 5): an Ed25519 signing key pair and an
/// X25519 key-agreement key pair, made on first use and kept in IndexedDB as non-extractable WebCrypto keys, and an
/// X-Wing key kept as its 32-byte seed (WebCrypto has no ML-KEM), added in place to identities stored before X-Wing.
/// Each test has its own person, so its own Chromium profile: a first load there is a first use.
/// </summary>
public sealed class DeviceIdentityTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    /// <summary>Loads the identity in <c>page</c> and describes it (hex) as <see cref="Identity"/>.</summary>
    private const string LoadScript = """
        async (dbName) => {
          const D = await import('/e2ee/device-identity.js');
          const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
          const me = await D.loadDeviceIdentity(dbName ? { dbName } : undefined);
          return {
            signingPublicKey: toHex(me.signingPublicKey),
            agreementPublicKey: toHex(me.agreementPublicKey),
            agreementKeyPairPublicKey: toHex(me.agreementKeyPair.publicKeyBytes),
            xwingPublicKey: me.xwingPublicKey ? toHex(me.xwingPublicKey) : null,
            xwingDecapsulationKeyPublicKey: me.xwingDecapsulationKey ? toHex(me.xwingDecapsulationKey.publicKey) : null,
            fingerprint: me.fingerprint,
            createdAt: me.createdAt,
          };
        }
        """;

    private sealed record Identity
    {
        public string SigningPublicKey { get; init; } = "";
        public string AgreementPublicKey { get; init; } = "";
        public string AgreementKeyPairPublicKey { get; init; } = "";
        public string? XWingPublicKey { get; init; }
        public string? XWingDecapsulationKeyPublicKey { get; init; }
        public string Fingerprint { get; init; } = "";
        public double CreatedAt { get; init; }
    }

    private static Task<Identity> LoadAsync(IPage page, string? dbName = null) => page.EvaluateAsync<Identity>(LoadScript, dbName);

    [Fact]
    public async Task First_use_makes_the_keys_and_a_reload_returns_the_same_ones()
    {
        await using Person person = await OpenAsync();
        double before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Identity first = await LoadAsync(person.Page);

        Assert.Equal(32, Convert.FromHexString(first.SigningPublicKey).Length);
        Assert.Equal(32, Convert.FromHexString(first.AgreementPublicKey).Length);
        Assert.NotEqual(first.SigningPublicKey, first.AgreementPublicKey);
        Assert.Equal(first.AgreementPublicKey, first.AgreementKeyPairPublicKey);
        Assert.Equal(1216, Convert.FromHexString(first.XWingPublicKey!).Length);
        Assert.Equal(first.XWingPublicKey, first.XWingDecapsulationKeyPublicKey);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(first.SigningPublicKey))), first.Fingerprint);
        Assert.InRange(first.CreatedAt, before - 60_000, before + 60_000);

        // Stored: a second load in the page, and a load after a reload of the page, return the same identity.
        Assert.Equal(first, await LoadAsync(person.Page));
        await person.Page.ReloadAsync();
        Assert.Equal(first, await LoadAsync(person.Page));

        // Another database is another identity.
        Identity other = await LoadAsync(person.Page, "conclave-e2ee-other");
        Assert.NotEqual(first.SigningPublicKey, other.SigningPublicKey);
        Assert.NotEqual(first.AgreementPublicKey, other.AgreementPublicKey);
        Assert.NotEqual(first.XWingPublicKey, other.XWingPublicKey);
    }

    [Fact]
    public async Task The_private_keys_are_non_extractable_in_memory_and_in_storage()
    {
        await using Person person = await OpenAsync();
        JsonElement result = await person.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const D = await import('/e2ee/device-identity.js');
              const X = await import('/e2ee/xwing.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const me = await D.loadDeviceIdentity();
              const exports = async (key) => {
                const outcomes = [];
                for (const format of ['pkcs8', 'jwk', 'raw']) {
                  try { await crypto.subtle.exportKey(format, key); outcomes.push(`${format}: exported`); }
                  catch (e) { outcomes.push(`${format}: ${e.name}`); }
                }
                return outcomes;
              };
              // The stored record, read as another script of the origin could read it.
              const db = await new Promise((resolve, reject) => {
                const req = indexedDB.open('conclave-e2ee');
                req.onsuccess = () => resolve(req.result);
                req.onerror = () => reject(req.error);
              });
              const record = await new Promise((resolve, reject) => {
                const req = db.transaction('device').objectStore('device').get('identity');
                req.onsuccess = () => resolve(req.result);
                req.onerror = () => reject(req.error);
              });
              db.close();
              return {
                inMemory: {
                  extractable: me.agreementKeyPair.privateKey.extractable,
                  agreement: await exports(me.agreementKeyPair.privateKey),
                  fields: Object.keys(me).sort(),
                },
                stored: {
                  signingAlgorithm: record.signingPrivateKey.algorithm.name,
                  signingUsages: record.signingPrivateKey.usages,
                  signingExtractable: record.signingPrivateKey.extractable,
                  signing: await exports(record.signingPrivateKey),
                  agreementAlgorithm: record.agreementPrivateKey.algorithm.name,
                  agreementExtractable: record.agreementPrivateKey.extractable,
                  agreement: await exports(record.agreementPrivateKey),
                  // The public halves may be read out: they are what the server registers.
                  signingPublic: Array.from(new Uint8Array(await crypto.subtle.exportKey('raw', record.signingPublicKeyObject))).length,
                  // The X-Wing key is its seed, as bytes: readable by script of the origin (docs/security.md).
                  xwingSeedLength: record.xwingSeed instanceof Uint8Array ? record.xwingSeed.length : -1,
                  xwingSeedMatches: toHex((await X.generate(record.xwingSeed)).publicKey) === toHex(me.xwingPublicKey),
                  seedInIdentity: JSON.stringify(Object.values(me).map((v) => (v instanceof Uint8Array ? toHex(v) : String(v)))).includes(toHex(record.xwingSeed)),
                },
              };
            }
            """);

        JsonElement inMemory = result.GetProperty("inMemory");
        Assert.False(inMemory.GetProperty("extractable").GetBoolean());
        AssertNotExported(inMemory.GetProperty("agreement"));
        // No private key (nor its bytes) among the identity's fields; the signing key is held privately, the X-Wing key
        // only expanded (in private fields of the decapsulation key), not as its seed.
        Assert.Equal(["agreementKeyPair", "agreementPublicKey", "createdAt", "fingerprint", "signingPublicKey", "xwingDecapsulationKey", "xwingPublicKey"],
            inMemory.GetProperty("fields").EnumerateArray().Select(e => e.GetString()!).ToArray());

        JsonElement stored = result.GetProperty("stored");
        Assert.Equal("Ed25519", stored.GetProperty("signingAlgorithm").GetString());
        Assert.Equal(["sign"], stored.GetProperty("signingUsages").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.False(stored.GetProperty("signingExtractable").GetBoolean());
        AssertNotExported(stored.GetProperty("signing"));
        Assert.Equal("X25519", stored.GetProperty("agreementAlgorithm").GetString());
        Assert.False(stored.GetProperty("agreementExtractable").GetBoolean());
        AssertNotExported(stored.GetProperty("agreement"));
        Assert.Equal(32, stored.GetProperty("signingPublic").GetInt32());
        Assert.Equal(32, stored.GetProperty("xwingSeedLength").GetInt32());
        Assert.True(stored.GetProperty("xwingSeedMatches").GetBoolean());
        Assert.False(stored.GetProperty("seedInIdentity").GetBoolean());

        static void AssertNotExported(JsonElement outcomes)
        {
            // Non-extractable: InvalidAccessError. ('raw' of a private key is also refused, as NotSupportedError or
            // InvalidAccessError depending on the check WebCrypto makes first.)
            string[] all = [.. outcomes.EnumerateArray().Select(e => e.GetString()!)];
            Assert.Equal(3, all.Length);
            Assert.All(all, o => Assert.DoesNotContain("exported", o));
            Assert.Contains("pkcs8: InvalidAccessError", all);
            Assert.Contains("jwk: InvalidAccessError", all);
        }
    }

    [Fact]
    public async Task Signatures_verify_and_anything_else_fails_without_throwing()
    {
        await using Person person = await OpenAsync();
        JsonElement result = await person.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const D = await import('/e2ee/device-identity.js');
              const me = await D.loadDeviceIdentity();
              const stranger = await D.loadDeviceIdentity({ dbName: 'conclave-e2ee-stranger' });
              const message = new TextEncoder().encode('device 7 joins call 42');
              const signature = await me.sign(message);
              const again = await me.sign(message.slice());
              const flipped = (a, i) => { const c = a.slice(); c[i] ^= 1; return c; };
              const pk = me.signingPublicKey;
              const cases = {
                good: await D.verify(pk, signature, message),
                goodArrayBuffer: await D.verify(pk.slice().buffer, signature.slice().buffer, message.slice().buffer),
                otherBytes: await D.verify(pk, signature, new TextEncoder().encode('device 7 joins call 43')),
                emptyBytes: await D.verify(pk, signature, new Uint8Array(0)),
                otherKey: await D.verify(stranger.signingPublicKey, signature, message),
                byOtherKey: await D.verify(pk, await stranger.sign(message), message),
                agreementKeyAsSigningKey: await D.verify(me.agreementPublicKey, signature, message),
                flippedSignatureR: await D.verify(pk, flipped(signature, 3), message),
                flippedSignatureS: await D.verify(pk, flipped(signature, 40), message),
                flippedKey: await D.verify(flipped(pk, 0), signature, message),
                truncatedSignature: await D.verify(pk, signature.subarray(0, 63), message),
                longerSignature: await D.verify(pk, Uint8Array.of(...signature, 0), message),
                emptySignature: await D.verify(pk, new Uint8Array(0), message),
                garbageSignature: await D.verify(pk, crypto.getRandomValues(new Uint8Array(64)), message),
                zeroSignature: await D.verify(pk, new Uint8Array(64), message),
                ffSignature: await D.verify(pk, new Uint8Array(64).fill(0xff), message),
                garbageKey: await D.verify(crypto.getRandomValues(new Uint8Array(32)), signature, message),
                zeroKey: await D.verify(new Uint8Array(32), signature, message),
                shortKey: await D.verify(pk.subarray(0, 31), signature, message),
                longKey: await D.verify(Uint8Array.of(...pk, 0), signature, message),
                nullKey: await D.verify(null, signature, message),
                stringKey: await D.verify('not a key', signature, message),
                numberSignature: await D.verify(pk, 42, message),
                objectMessage: await D.verify(pk, signature, { length: 3 }),
                undefinedMessage: await D.verify(pk, signature, undefined),
                nothing: await D.verify(),
                cryptoKeyAsKey: await D.verify(me.agreementKeyPair.publicKey, signature, message),
              };
              let signRejects = 'resolved';
              try { await me.sign('text'); } catch (e) { signRejects = e.name; }
              return {
                cases,
                length: signature.length,
                deterministic: signature.every((b, i) => b === again[i]),
                signRejects,
              };
            }
            """);

        Assert.Equal(64, result.GetProperty("length").GetInt32());
        Assert.True(result.GetProperty("deterministic").GetBoolean(), "Ed25519 (RFC 8032) signatures are deterministic");
        Assert.Equal("TypeError", result.GetProperty("signRejects").GetString());
        // (Playwright adds "$id" to the objects it returns.)
        var cases = result.GetProperty("cases").EnumerateObject().Where(p => !p.Name.StartsWith('$')).ToDictionary(p => p.Name, p => p.Value.GetBoolean());
        Assert.Equal(27, cases.Count);
        Assert.True(cases["good"]);
        Assert.True(cases["goodArrayBuffer"]);
        Assert.Equal([], cases.Where(c => c.Key is not ("good" or "goodArrayBuffer") && c.Value).Select(c => c.Key));
    }

    [Fact]
    public async Task The_RFC_8032_test_vectors_verify_and_a_flipped_bit_does_not()
    {
        await using Person person = await OpenAsync();
        bool[] results = await person.Page.EvaluateAsync<bool[]>("""
            async () => {
              const D = await import('/e2ee/device-identity.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const flipped = (a, bit) => { const c = a.slice(); c[bit >> 3] ^= 1 << (bit & 7); return c; };
              // RFC 8032 §7.1, TEST 1 (empty message) and TEST 2 (one byte).
              const vectors = [
                { pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', msg: '',
                  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b' },
                { pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', msg: '72',
                  sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00' },
              ];
              const results = [];
              for (const v of vectors) {
                const pk = hex(v.pk), msg = hex(v.msg), sig = hex(v.sig);
                results.push(await D.verify(pk, sig, msg));
                results.push(await D.verify(pk, flipped(sig, 0), msg));        // R
                results.push(await D.verify(pk, flipped(sig, 300), msg));      // S
                results.push(await D.verify(pk, flipped(sig, 511), msg));      // S's top bit: non-canonical S
                results.push(await D.verify(flipped(pk, 7), sig, msg));
                results.push(await D.verify(pk, sig, Uint8Array.of(...msg, 0)));
              }
              return results;
            }
            """);
        Assert.Equal([true, false, false, false, false, false, true, false, false, false, false, false], results);
    }

    [Fact]
    public async Task Concurrent_first_uses_in_two_pages_of_one_profile_end_with_one_identity()
    {
        await using Person person = await OpenAsync();
        IPage second = await person.Context.NewPageAsync();
        await second.GotoAsync(fixture.Server.BaseAddress.ToString());

        // Several rounds, each on a fresh database: each page's first load races the other's; every page also races
        // itself with three loads at once.
        const string RaceScript = """
            async (dbName) => {
              const D = await import('/e2ee/device-identity.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const all = await Promise.all([0, 1, 2].map(() => D.loadDeviceIdentity({ dbName })));
              return all.map((me) => `${toHex(me.signingPublicKey)}/${toHex(me.agreementPublicKey)}/${toHex(me.xwingPublicKey)}/${me.createdAt}`);
            }
            """;
        for (int round = 0; round < 5; round++)
        {
            string dbName = $"race-{round}";
            string[][] both = await Task.WhenAll(
                person.Page.EvaluateAsync<string[]>(RaceScript, dbName),
                second.EvaluateAsync<string[]>(RaceScript, dbName));
            string[] all = [.. both.SelectMany(x => x)];
            Assert.Equal(6, all.Length);
            Assert.Single(all.Distinct());
            // And it is the stored one.
            Identity stored = await LoadAsync(second, dbName);
            Assert.Equal(all[0], $"{stored.SigningPublicKey}/{stored.AgreementPublicKey}/{stored.XWingPublicKey}/{stored.CreatedAt}");
        }
    }

    [Fact]
    public async Task Forgetting_the_identity_makes_the_next_load_a_new_one()
    {
        await using Person person = await OpenAsync();
        IPage second = await person.Context.NewPageAsync();
        await second.GotoAsync(fixture.Server.BaseAddress.ToString());

        // Forgetting an identity that was never made is no error.
        await person.Page.EvaluateAsync("async () => (await import('/e2ee/device-identity.js')).forgetDeviceIdentity()");
        Identity first = await LoadAsync(person.Page);
        Assert.Equal(first, await LoadAsync(second));                  // the other page's connection stays open meanwhile

        JsonElement afterForget = await person.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const D = await import('/e2ee/device-identity.js');
              const old = await D.loadDeviceIdentity();
              await D.forgetDeviceIdentity();
              // An identity already loaded still signs; its signatures still verify under its (old) key.
              const message = Uint8Array.of(1, 2, 3);
              return { oldStillSigns: await D.verify(old.signingPublicKey, await old.sign(message), message) };
            }
            """);
        Assert.True(afterForget.GetProperty("oldStillSigns").GetBoolean());

        Identity renewed = await LoadAsync(second);
        Assert.NotEqual(first.SigningPublicKey, renewed.SigningPublicKey);
        Assert.NotEqual(first.AgreementPublicKey, renewed.AgreementPublicKey);
        Assert.NotEqual(first.XWingPublicKey, renewed.XWingPublicKey);
        Assert.NotEqual(first.Fingerprint, renewed.Fingerprint);
        await person.Page.ReloadAsync();
        Assert.Equal(renewed, await LoadAsync(person.Page));
    }

    [Fact]
    public async Task The_agreement_key_pair_opens_what_is_sealed_to_the_agreement_public_key()
    {
        await using Person person = await OpenAsync();
        Identity me = await LoadAsync(person.Page);
        await person.Page.ReloadAsync();                             // the keys as read back from IndexedDB

        // Sealed in the page with hpke.js, and in .NET (another participant's client), to agreementPublicKey.
        byte[] info = "Conclave device identity test"u8.ToArray();
        byte[] aad = RandomNumberGenerator.GetBytes(9);
        byte[] mediaKey = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, Convert.FromHexString(me.AgreementPublicKey), info, aad, mediaKey,
            out byte[] enc, out byte[] ct));

        JsonElement result = await person.Page.EvaluateAsync<JsonElement>("""
            async ({ info, aad, enc, ct }) => {
              const D = await import('/e2ee/device-identity.js');
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const me = await D.loadDeviceIdentity();
              const stranger = await D.loadDeviceIdentity({ dbName: 'conclave-e2ee-stranger' });
              const pt = crypto.getRandomValues(new Uint8Array(16));
              const local = await H.seal(me.agreementPublicKey, hex(info), hex(aad), pt);
              const opened = await H.open(me.agreementKeyPair, local.enc, hex(info), hex(aad), local.ct);
              const fromDotnet = await H.open(me.agreementKeyPair, hex(enc), hex(info), hex(aad), hex(ct));
              const byStranger = await H.open(stranger.agreementKeyPair, hex(enc), hex(info), hex(aad), hex(ct));
              return {
                local: opened.ok && toHex(opened.pt) === toHex(pt),
                fromDotnet: fromDotnet.ok ? toHex(fromDotnet.pt) : `failed: ${fromDotnet.error}`,
                byStranger: byStranger.ok,
              };
            }
            """, new { info = Convert.ToHexString(info), aad = Convert.ToHexString(aad), enc = Convert.ToHexString(enc), ct = Convert.ToHexString(ct) });

        Assert.True(result.GetProperty("local").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(mediaKey), result.GetProperty("fromDotnet").GetString());
        Assert.False(result.GetProperty("byStranger").GetBoolean());
    }

    /// <summary>Makes the identity in database <c>dbName</c> (if there is none) and removes its X-Wing seed, as a record
    /// stored before X-Wing was; returns the X-Wing public key it had.</summary>
    private const string MakeOldRecordScript = """
        async (dbName) => {
          const D = await import('/e2ee/device-identity.js');
          await D.loadDeviceIdentity({ dbName });
          const db = await new Promise((resolve, reject) => {
            const req = indexedDB.open(dbName);
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          const tx = db.transaction('device', 'readwrite');
          const store = tx.objectStore('device');
          const read = store.get('identity');
          read.onsuccess = () => {
            const record = read.result;
            delete record.xwingSeed;
            store.put(record, 'identity');
          };
          await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
          db.close();
        }
        """;

    /// <summary>The stored record's X-Wing seed in database <c>dbName</c> (hex), expanded to its public key (hex); null when absent.</summary>
    private const string StoredXWingScript = """
        async (dbName) => {
          const X = await import('/e2ee/xwing.js');
          const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
          const db = await new Promise((resolve, reject) => {
            const req = indexedDB.open(dbName);
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          const record = await new Promise((resolve, reject) => {
            const req = db.transaction('device').objectStore('device').get('identity');
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          db.close();
          return record.xwingSeed === undefined ? null : toHex((await X.generate(record.xwingSeed)).publicKey);
        }
        """;

    [Fact]
    public async Task An_identity_stored_before_X_Wing_gains_an_X_Wing_key_in_place_and_keeps_its_other_keys()
    {
        await using Person person = await OpenAsync();
        Identity before = await LoadAsync(person.Page, "upgrade");
        await person.Page.EvaluateAsync(MakeOldRecordScript, "upgrade");
        Assert.Null(await person.Page.EvaluateAsync<string?>(StoredXWingScript, "upgrade"));

        Identity upgraded = await LoadAsync(person.Page, "upgrade");

        // The same device (signing and agreement keys, creation time), now with an X-Wing key, stored.
        Assert.Equal(before with { XWingPublicKey = null, XWingDecapsulationKeyPublicKey = null }, upgraded with { XWingPublicKey = null, XWingDecapsulationKeyPublicKey = null });
        Assert.Equal(1216, Convert.FromHexString(upgraded.XWingPublicKey!).Length);
        Assert.NotEqual(before.XWingPublicKey, upgraded.XWingPublicKey);                  // a fresh seed
        Assert.Equal(upgraded.XWingPublicKey, await person.Page.EvaluateAsync<string?>(StoredXWingScript, "upgrade"));
        await person.Page.ReloadAsync();
        Assert.Equal(upgraded, await LoadAsync(person.Page, "upgrade"));
    }

    [Fact]
    public async Task Concurrent_loads_of_an_identity_stored_before_X_Wing_in_two_pages_give_it_one_X_Wing_key()
    {
        await using Person person = await OpenAsync();
        IPage second = await person.Context.NewPageAsync();
        await second.GotoAsync(fixture.Server.BaseAddress.ToString());

        const string RaceScript = """
            async (dbName) => {
              const D = await import('/e2ee/device-identity.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const all = await Promise.all([0, 1, 2].map(() => D.loadDeviceIdentity({ dbName })));
              return all.map((me) => `${toHex(me.signingPublicKey)}/${toHex(me.agreementPublicKey)}/${toHex(me.xwingPublicKey)}/${me.createdAt}`);
            }
            """;
        for (int round = 0; round < 5; round++)
        {
            string dbName = $"upgrade-race-{round}";
            Identity old = await LoadAsync(person.Page, dbName);
            await person.Page.EvaluateAsync(MakeOldRecordScript, dbName);
            string[][] both = await Task.WhenAll(
                person.Page.EvaluateAsync<string[]>(RaceScript, dbName),
                second.EvaluateAsync<string[]>(RaceScript, dbName));
            string[] all = [.. both.SelectMany(x => x)];
            Assert.Equal(6, all.Length);
            Assert.Single(all.Distinct());
            Assert.StartsWith($"{old.SigningPublicKey}/{old.AgreementPublicKey}/", all[0], StringComparison.Ordinal);
            Assert.DoesNotContain(old.XWingPublicKey!, all[0], StringComparison.Ordinal);
            // And it is the stored one.
            string? stored = await second.EvaluateAsync<string?>(StoredXWingScript, dbName);
            Assert.Equal(all[0], $"{old.SigningPublicKey}/{old.AgreementPublicKey}/{stored}/{old.CreatedAt}");
        }
    }

    [Fact]
    public async Task A_stored_X_Wing_seed_that_is_not_32_bytes_is_refused()
    {
        await using Person person = await OpenAsync();
        string error = await person.Page.EvaluateAsync<string>("""
            async () => {
              const D = await import('/e2ee/device-identity.js');
              await D.loadDeviceIdentity({ dbName: 'bad-seed' });
              const db = await new Promise((resolve, reject) => {
                const req = indexedDB.open('bad-seed');
                req.onsuccess = () => resolve(req.result);
                req.onerror = () => reject(req.error);
              });
              const tx = db.transaction('device', 'readwrite');
              const store = tx.objectStore('device');
              const read = store.get('identity');
              read.onsuccess = () => store.put({ ...read.result, xwingSeed: new Uint8Array(31) }, 'identity');
              await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
              db.close();
              try { await D.loadDeviceIdentity({ dbName: 'bad-seed' }); return 'loaded'; } catch (e) { return `${e.name}: ${e.message}`; }
            }
            """);
        Assert.StartsWith("DeviceIdentityError: the stored device identity is malformed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_X_Wing_key_opens_what_is_sealed_to_the_X_Wing_public_key_in_dotnet_and_in_the_page()
    {
        await using Person person = await OpenAsync();
        Identity me = await LoadAsync(person.Page);
        await person.Page.ReloadAsync();                             // the key as read back from IndexedDB

        byte[] info = "Conclave device identity X-Wing test"u8.ToArray();
        byte[] mediaKey = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.XWingSha256Aes128Gcm, Convert.FromHexString(me.XWingPublicKey!), info, [], mediaKey,
            out byte[] enc, out byte[] ct));

        JsonElement result = await person.Page.EvaluateAsync<JsonElement>("""
            async ({ info, enc, ct }) => {
              const D = await import('/e2ee/device-identity.js');
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const suite = H.Suites.XWingSha256Aes128Gcm;
              const me = await D.loadDeviceIdentity();
              const stranger = await D.loadDeviceIdentity({ dbName: 'conclave-e2ee-stranger' });
              const pt = crypto.getRandomValues(new Uint8Array(32));
              const local = await H.seal(me.xwingPublicKey, hex(info), new Uint8Array(0), pt, { suite });
              const opened = await H.open(me.xwingDecapsulationKey, local.enc, hex(info), new Uint8Array(0), local.ct, { suite });
              const fromDotnet = await H.open(me.xwingDecapsulationKey, hex(enc), hex(info), new Uint8Array(0), hex(ct), { suite });
              const byStranger = await H.open(stranger.xwingDecapsulationKey, hex(enc), hex(info), new Uint8Array(0), hex(ct), { suite });
              const asX25519 = await H.open(me.agreementKeyPair, hex(enc), hex(info), new Uint8Array(0), hex(ct));
              return {
                encLength: local.enc.length,
                local: opened.ok && toHex(opened.pt) === toHex(pt),
                fromDotnet: fromDotnet.ok ? toHex(fromDotnet.pt) : `failed: ${fromDotnet.error}`,
                byStranger: byStranger.ok,
                asX25519: asX25519.ok,
              };
            }
            """, new { info = Convert.ToHexString(info), enc = Convert.ToHexString(enc), ct = Convert.ToHexString(ct) });

        Assert.Equal(1120, result.GetProperty("encLength").GetInt32());
        Assert.True(result.GetProperty("local").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(mediaKey), result.GetProperty("fromDotnet").GetString());
        Assert.False(result.GetProperty("byStranger").GetBoolean());
        Assert.False(result.GetProperty("asX25519").GetBoolean());
    }

    private async Task<Person> OpenAsync()
    {
        Person person = await fixture.NewPersonAsync("Device identity");
        await person.OpenAsync(fixture.Server.BaseAddress.ToString());
        return person;
    }
}
