using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Conclave.Browser.Tests;

/// <summary>
/// The web client's X-Wing KEM (Clients/web/e2ee/xwing.js: X25519 on WebCrypto, ML-KEM-768, SHAKE256 and SHA3-256 from
/// the vendored noble libraries in Clients/web/vendor) and HPKE with X-Wing (hpke.js with a suite option) in a real
/// Chromium, against draft-connolly-cfrg-xwing-kem-10's vectors (Vectors/xwing-vectors.json) and the X-Wing entries of
/// draft-ietf-hpke-pq-04 (Vectors/hpke-xwing-vectors.json: HKDF-SHA256 or the one-stage SHAKE256 KDF, with
/// ChaCha20-Poly1305), both copies of ../shared/vectors. Then fresh keys in every suite, tampering and hostile input, the
/// vendored modules as served, and a measurement of keygen, encapsulation and decapsulation. Each test runs its checks
/// in the page and gets back every failed check by name (<see cref="PageChecks"/>).
/// </summary>
public sealed class XWingVectorTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>Seed of the page's xorshift32 for test inputs: fixed, so a failure reproduces. Keys come from the CSPRNG.</summary>
    private const int Seed = 0x5857_494E;

    [Fact]
    public Task Every_X_Wing_vector_expands_encapsulates_and_decapsulates() => RunAsync(XWingChecks, minimumChecks: 3 * 10 + 4);

    [Fact]
    public Task Every_HPKE_X_Wing_vector_matches_in_full() => RunAsync(HpkeChecks, minimumChecks: 2 * (12 + 10 * 5 + 5 * 2));

    [Fact]
    public Task Fresh_X_Wing_keys_round_trip_in_every_suite() => RunAsync(RoundTripChecks, minimumChecks: 4 * 6 * 3 + 30);

    [Fact]
    public Task Tampered_and_hostile_X_Wing_input_fails_cleanly() => RunAsync(HostileChecks, minimumChecks: 100);

    [Fact]
    public Task The_vendored_modules_are_served_pinned_and_self_contained() => RunAsync(VendorChecks, minimumChecks: 17 * 3 + 4);

    /// <summary>
    /// Everything an X-Wing seal and open needs comes from the server itself (no request leaves its origin), and how
    /// long keygen, encapsulation and decapsulation take in this Chromium (printed; only a loose bound is asserted).
    /// </summary>
    [Fact]
    public async Task X_Wing_loads_only_from_the_server_and_is_fast_enough()
    {
        await using Person page = await fixture.NewPersonAsync("X-Wing timing");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        JsonElement timings = await page.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const X = await import('/e2ee/xwing.js');
              const H = await import('/e2ee/hpke.js');
              const suite = H.Suites.XWingSha256Aes128Gcm;
              const info = new TextEncoder().encode('timing'), aad = new Uint8Array(0), pt = new Uint8Array(32);
              const first = await X.generate();                                   // warms up (and loads) everything
              const sealed = await H.seal(first.publicKey, info, aad, pt, { suite });
              const opened = await H.open(first.decapsulationKey, sealed.enc, info, aad, sealed.ct, { suite });
              if (!opened.ok) throw new Error('X-Wing HPKE failed: ' + opened.message);
              const dh = await H.generateKeyPair();
              const dhSealed = await H.seal(dh.publicKeyBytes, info, aad, pt);
              const time = async (n, f) => {
                for (let i = 0; i < 10; i++) await f(i);                         // JIT warm-up, not measured
                const all = [];
                for (let i = 0; i < n; i++) { const t = performance.now(); await f(i); all.push(performance.now() - t); }
                let total = 0; for (const t of all) total += t;
                all.sort((a, b) => a - b);
                return { mean: total / n, median: all[n >> 1], n };
              };
              const n = 60;
              const keys = [], cts = [];
              const result = {
                keygen: await time(n, async (i) => { keys[i] = await X.generate(); }),
                encapsulate: await time(n, async (i) => { cts[i] = (await X.encapsulate(keys[i].publicKey)).ciphertext; }),
                decapsulateExpanded: await time(n, (i) => X.decapsulate(cts[i], keys[i].decapsulationKey)),
                decapsulateSeed: await time(n, (i) => X.decapsulate(cts[i], keys[i].seed)),
                hpkeSealXWing: await time(n, (i) => H.seal(keys[i].publicKey, info, aad, pt, { suite })),
                hpkeOpenXWing: await time(n, () => H.open(first.decapsulationKey, sealed.enc, info, aad, sealed.ct, { suite })),
                hpkeSealX25519: await time(n, () => H.seal(dh.publicKeyBytes, info, aad, pt)),
                hpkeOpenX25519: await time(n, () => H.open(dh, dhSealed.enc, info, aad, dhSealed.ct)),
              };
              result.userAgent = navigator.userAgent;
              return result;
            }
            """);
        output.WriteLine(timings.GetProperty("userAgent").GetString() ?? "");
        foreach (JsonProperty p in timings.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{p.Name,-20} median {p.Value.GetProperty("median").GetDouble(),7:F3} ms  mean {p.Value.GetProperty("mean").GetDouble(),7:F3} ms  (n = {p.Value.GetProperty("n").GetInt32()})"));
            Assert.True(p.Value.GetProperty("median").GetDouble() < 250, $"{p.Name} took a median {p.Value.GetProperty("median").GetDouble()} ms");
        }

        string origin = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.All(page.Requests, url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
        Assert.Contains(page.Requests, url => url.EndsWith("/vendor/noble/post-quantum/ml-kem.js", StringComparison.Ordinal));
        Assert.Empty(page.PageErrors);
    }

    /// <summary>Firefox ESR (WebDriver BiDi, <see cref="FirefoxPerson"/>) runs the same module and passes every vector too.</summary>
    [Fact]
    public async Task Firefox_passes_every_X_Wing_and_HPKE_X_Wing_vector_too()
    {
        await using FirefoxPerson tester = await FirefoxPerson.LaunchAsync("X-Wing in Firefox");
        await tester.OpenAsync(fixture.Server.BaseAddress.ToString());
        string script = Prelude.Replace("/*BODY*/", XWingChecks + HpkeChecks, StringComparison.Ordinal);
        JsonElement result = await tester.EvaluateAsync($"() => ({script})({JsonSerializer.Serialize(Input)})", BrowserFixture.Deadline);

        int checks = result.GetProperty("checked").GetInt32();
        List<string> failures = [.. result.GetProperty("failures").EnumerateArray().Select(f => f.GetString() ?? "")];
        output.WriteLine($"Firefox: {checks} checks, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {checks} checks failed in Firefox:\n{string.Join('\n', failures.Take(60))}");
        Assert.True(checks >= 3 * 10 + 4 + 2 * (12 + 10 * 5 + 5 * 2), $"only {checks} checks ran in Firefox");
        Assert.Empty(tester.PageErrors);
    }

    private static string Input => $$"""{"xwing":{{XWingVectors.Value}},"hpke":{{HpkeVectors.Value}},"seed":{{Seed}}}""";

    private Task RunAsync(string body, int minimumChecks) => PageChecks.RunAsync(fixture, output, "X-Wing vectors",
        Prelude.Replace("/*BODY*/", body, StringComparison.Ordinal), Input, minimumChecks);

    /// <summary>xwing-vectors.json after a look at its <c>_meta</c>: draft -05 to -10 (the key expansion xwing.js does).</summary>
    private static readonly Lazy<string> XWingVectors = new(() =>
    {
        (string path, JsonObject meta, JsonArray vectors) = Load("xwing-vectors.json");
        string draft = meta["draft_version"]!.GetValue<string>();
        if (!draft.Contains("-10", StringComparison.Ordinal)) throw new InvalidOperationException($"{path} is not for X-Wing draft -10: {draft}");
        return vectors.ToJsonString();
    });

    /// <summary>hpke-xwing-vectors.json: base-mode entries of kem_id 0x647a only.</summary>
    private static readonly Lazy<string> HpkeVectors = new(() =>
    {
        (string path, _, JsonArray vectors) = Load("hpke-xwing-vectors.json");
        foreach (JsonNode? v in vectors)
        {
            (int mode, int kem) = (v!["mode"]!.GetValue<int>(), v["kem_id"]!.GetValue<int>());
            if ((mode, kem) != (0, 0x647A)) throw new InvalidOperationException($"{path}: an entry of mode {mode}, kem {kem}; expected base-mode X-Wing");
        }

        return vectors.ToJsonString();
    });

    private static (string Path, JsonObject Meta, JsonArray Vectors) Load(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Vectors", file);
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        JsonArray vectors = root["vectors"]!.AsArray();
        if (vectors.Count == 0) throw new InvalidOperationException($"{path} holds no vectors");
        return (path, root["_meta"]!.AsObject(), vectors);
    }

    /// <summary>Shared by every test: X (xwing.js), H (hpke.js), XV and HV (the vectors), check(), helpers.</summary>
    private const string Prelude = """
        async input => {
          const { xwing: XV, hpke: HV, seed } = JSON.parse(input);
          const failures = [];
          let checked = 0;
          const check = (ok, what) => { checked++; if (!ok) failures.push(what); };
          const hex = b => b == null ? String(b) : Array.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b, x => x.toString(16).padStart(2, '0')).join('');
          const unhex = h => new Uint8Array((h.match(/../g) ?? []).map(x => parseInt(x, 16)));
          const ascii = s => new TextEncoder().encode(s);
          const show = r => r == null ? String(r) : JSON.stringify(r, (k, v) => typeof v === 'bigint' ? v.toString()
            : v instanceof Uint8Array ? hex(v) : v);
          let state = seed >>> 0 || 1;
          const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
          const randomBytes = n => Uint8Array.from({ length: n }, () => random() & 0xFF);
          const rejectsWith = async (f, code) => { try { await f(); return 'no error'; } catch (e) { return e?.code === code ? true : `${e?.name} ${e?.code}: ${e?.message}`; } };
          const failed = (r, code) => r != null && r.ok === false && r.pt === undefined && (code === undefined || r.error === code) && typeof r.message === 'string';
          let X, H;
          try {
            for (const file of ['e2ee/xwing.js', 'e2ee/hpke.js', 'vendor/noble/post-quantum/ml-kem.js', 'vendor/noble/hashes/sha3.js', 'vendor/noble/ciphers/chacha.js']) {
              const response = await fetch('/' + file);
              check(response.ok && /javascript/.test(response.headers.get('content-type') ?? ''),
                `/${file} served as ${response.status} ${response.headers.get('content-type')}`);
            }
            X = await import('/e2ee/xwing.js');
            H = await import('/e2ee/hpke.js');
            /*BODY*/
          } catch (e) {
            failures.push('threw: ' + (e?.stack ?? e));
          }
          return { checked, failures };
        }
        """;

    /// <summary>draft-connolly-cfrg-xwing-kem-10 §5: seed → pk (expandDecapsulationKey), EncapsulateDerand, Decapsulate.</summary>
    private const string XWingChecks = """
        check(XV.length === 3, `${XV.length} X-Wing vectors`);
        check(X.SEED_LENGTH === 32 && X.PUBLIC_KEY_LENGTH === 1216 && X.CIPHERTEXT_LENGTH === 1120 && X.SHARED_SECRET_LENGTH === 32 && X.ESEED_LENGTH === 64,
          'X-Wing sizes');
        for (const [i, v] of XV.entries()) {
          const name = `X-Wing vector ${i}`;
          check(v.sk === v.seed, `${name}: sk is not the seed`);
          const seedBytes = unhex(v.seed);
          const g = await X.generate(seedBytes);
          check(hex(g.publicKey) === v.pk, `${name}: generate(seed) pk ${hex(g.publicKey).slice(0, 64)}…`);
          check(hex(g.seed) === v.seed && g.seed !== seedBytes && hex(seedBytes) === v.seed, `${name}: generate returned seed ${hex(g.seed)}; the argument is now ${hex(seedBytes)}`);
          check(hex(g.decapsulationKey.publicKey) === v.pk && g.decapsulationKey instanceof X.XWingDecapsulationKey, `${name}: the expanded key's pk`);
          const expanded = await X.expandDecapsulationKey(unhex(v.seed));
          check(hex(expanded.publicKey) === v.pk, `${name}: expandDecapsulationKey(seed) pk`);

          const eseed = unhex(v.eseed);
          const e = await X.encapsulate(unhex(v.pk), { eseed });
          check(hex(e.ciphertext) === v.ct, `${name}: EncapsulateDerand ct ${hex(e.ciphertext).slice(0, 64)}…`);
          check(hex(e.sharedSecret) === v.ss, `${name}: EncapsulateDerand ss ${hex(e.sharedSecret)}, want ${v.ss}`);
          check(hex(eseed) === v.eseed, `${name}: encapsulate changed the caller's eseed`);
          for (const [how, key] of [['the seed', unhex(v.seed)], ['the expanded key', expanded], ['generate()', g], ['the key itself', g.decapsulationKey]]) {
            const ss = how === 'the key itself' ? await key.decapsulate(unhex(v.ct)) : await X.decapsulate(unhex(v.ct), key);
            check(hex(ss) === v.ss, `${name}: Decapsulate with ${how}: ${hex(ss)}, want ${v.ss}`);
          }
          // Random encapsulation: a fresh eseed each time, and the recipient gets the same secret.
          const r1 = await X.encapsulate(unhex(v.pk)), r2 = await X.encapsulate(unhex(v.pk));
          check(hex(r1.ciphertext) !== hex(r2.ciphertext) && hex(r1.sharedSecret) !== hex(r2.sharedSecret), `${name}: two random encapsulations are equal`);
          check(hex(await X.decapsulate(r1.ciphertext, expanded)) === hex(r1.sharedSecret), `${name}: a random encapsulation does not decapsulate`);
        }
        """;

    /// <summary>
    /// draft-ietf-hpke-pq-04, kem_id 0x647a: suite_id, DeriveKeyPair (ikmR → skRm, hpke-pq's LabeledDerive), skRm → pkRm,
    /// Encap with ikmE as eseed, Decap, the key schedule (two-stage HKDF-SHA256 and one-stage SHAKE256), the ten
    /// ChaCha20-Poly1305 encryptions in sequence (and each alone at its sequence number), the five exports on both sides.
    /// </summary>
    private const string HpkeChecks = """
        check(HV.length === 2, `${HV.length} HPKE X-Wing vectors`);
        check(H.KemId.XWing === 0x647a && H.KdfId.Shake256 === 0x11 && H.AeadId.ChaCha20Poly1305 === 3, 'identifiers');
        const conclave = H.Suites.XWingSha256Aes128Gcm;
        check(conclave.kemId === 0x647a && conclave.kdfId === 1 && conclave.aeadId === 1 && conclave.nenc === 1120 && conclave.npk === 1216,
          `Conclave's X-Wing suite ${show(conclave)}`);
        for (const [i, v] of HV.entries()) {
          const name = `HPKE X-Wing entry ${i} (kdf ${v.kdf_id}, aead ${v.aead_id})`;
          const suite = H.cipherSuite(v.kem_id, v.kdf_id, v.aead_id);
          const info = unhex(v.info);
          check(hex(suite.suiteId) === v.suite_id, `${name}: suite_id ${hex(suite.suiteId)}`);
          check(suite.nh === (v.kdf_id === 1 ? 32 : 64) && suite.nk === 32 && suite.oneStageKdf === (v.kdf_id === 0x11), `${name}: sizes ${show(suite)}`);
          // hpke-pq's DeriveKeyPair for X-Wing: seed = LabeledDerive(ikmR, "DeriveKeyPair", "", 32) with "KEM" || kem_id.
          const derived = await H.labeledDerive(suite.kemSuiteId, unhex(v.ikmR), 'DeriveKeyPair', new Uint8Array(0), 32);
          check(hex(derived) === v.skRm, `${name}: DeriveKeyPair(ikmR) ${hex(derived)}, want skRm ${v.skRm}`);
          const recipient = await X.generate(unhex(v.skRm));
          check(hex(recipient.publicKey) === v.pkRm, `${name}: pk(skRm) is not pkRm`);

          const e = await X.encapsulate(unhex(v.pkRm), { eseed: unhex(v.ikmE) });
          check(hex(e.ciphertext) === v.enc && hex(e.sharedSecret) === v.shared_secret, `${name}: Encap(pkRm) with eseed = ikmE`);
          check(hex(await X.decapsulate(unhex(v.enc), unhex(v.skRm))) === v.shared_secret, `${name}: Decap(enc, skRm)`);
          const ks = await H.keyScheduleSecrets(unhex(v.shared_secret), info, { suite });
          check(hex(ks.key) === v.key, `${name}: key ${hex(ks.key)}, want ${v.key}`);
          check(hex(ks.baseNonce) === v.base_nonce, `${name}: base_nonce ${hex(ks.baseNonce)}, want ${v.base_nonce}`);
          check(hex(ks.exporterSecret) === v.exporter_secret, `${name}: exporter_secret ${hex(ks.exporterSecret)}, want ${v.exporter_secret}`);

          // The whole setup through the public API, then the encryptions in order (they are sequence numbers 0..9).
          const { enc, context: sender } = await H.setupBaseS(unhex(v.pkRm), info, { ikmE: unhex(v.ikmE), suite });
          check(hex(enc) === v.enc && sender.suite === suite, `${name}: SetupBaseS enc`);
          const receivers = [['skRm', await H.setupBaseR(unhex(v.enc), unhex(v.skRm), info, { suite })],
            ['the expanded key', await H.setupBaseR(unhex(v.enc), recipient.decapsulationKey, info, { suite })]];
          for (const [seq, x] of v.encryptions.entries()) {
            check(hex(H.computeNonce(unhex(v.base_nonce), seq)) === x.nonce, `${name}: nonce ${seq}`);
            const ct = await sender.seal(unhex(x.aad), unhex(x.pt));
            check(hex(ct) === x.ct, `${name}: encryption ${seq} ct ${hex(ct)}`);
            for (const [how, r] of receivers) {
              const o = await r.open(unhex(x.aad), unhex(x.ct));
              check(o.ok === true && hex(o.pt) === x.pt, `${name}: encryption ${seq} opened with ${how}: ${show(o)}`);
            }
            // Alone, at its sequence number.
            const s2 = await H.keySchedule('sender', unhex(v.shared_secret), info, { suite, seq });
            const r2 = await H.keySchedule('recipient', unhex(v.shared_secret), info, { suite, seq: BigInt(seq) });
            const ct2 = await s2.seal(unhex(x.aad), unhex(x.pt)), o2 = await r2.open(unhex(x.aad), unhex(x.ct));
            check(hex(ct2) === x.ct && o2.ok === true && hex(o2.pt) === x.pt, `${name}: encryption ${seq} at seq ${seq} alone`);
          }
          for (const [j, x] of v.exports.entries()) {
            check(hex(await sender.export(unhex(x.exporter_context), x.L)) === x.exported_value, `${name}: export ${j} (sender)`);
            check(hex(await receivers[0][1].export(unhex(x.exporter_context), x.L)) === x.exported_value, `${name}: export ${j} (recipient)`);
          }
          // Single-shot: seal with ikmE gives the first encryption; open with skRm.
          const first = v.encryptions[0];
          const single = await H.seal(unhex(v.pkRm), info, unhex(first.aad), unhex(first.pt), { ikmE: unhex(v.ikmE), suite });
          check(hex(single.enc) === v.enc && hex(single.ct) === first.ct, `${name}: single-shot seal`);
          const opened = await H.open(unhex(v.skRm), unhex(v.enc), info, unhex(first.aad), unhex(first.ct), { suite });
          check(opened.ok === true && hex(opened.pt) === first.pt, `${name}: single-shot open ${show(opened)}`);
        }
        """;

    /// <summary>Fresh X-Wing keys in the four X-Wing suites: single-shot and multi-message, every recipient-key form.</summary>
    private const string RoundTripChecks = """
        const suites = [H.Suites.XWingSha256Aes128Gcm, H.cipherSuite(0x647a, 1, 3), H.cipherSuite(0x647a, 0x11, 1), H.cipherSuite(0x647a, 0x11, 3)];
        check(H.cipherSuite(0x647a, 1, 1) === H.Suites.XWingSha256Aes128Gcm, 'cipherSuite is not one object per triple');
        const device = await X.generate();
        check(device.seed.length === 32 && device.publicKey.length === 1216, `generate(): seed ${device.seed.length}, pk ${device.publicKey.length} bytes`);
        const encs = new Set();
        for (const suite of suites) {
          const name = `suite ${suite.kemId}/${suite.kdfId}/${suite.aeadId}`;
          for (const size of [0, 1, 16, 100, 1000, 65536]) {
            const info = randomBytes(size % 70), aad = randomBytes(size % 13), pt = randomBytes(size);
            const { enc, ct } = await H.seal(device.publicKey, info, aad, pt, { suite });
            encs.add(hex(enc));
            check(enc.length === 1120 && ct.length === size + 16, `${name}, ${size} bytes: enc ${enc.length}, ct ${ct.length}`);
            for (const [how, recipient] of [['the seed', device.seed], ['the expanded key', device.decapsulationKey], ['generate()', device]]) {
              const r = await H.open(recipient, enc, info, aad, ct, { suite });
              check(r.ok === true && hex(r.pt) === hex(pt), `${name}, ${size} bytes, opened with ${how}: ${r.ok ? 'wrong plaintext' : show(r)}`);
            }
          }
          const info = ascii('conclave multi');
          const { enc, context } = await H.setupBaseS(device.publicKey, info, { suite });
          const receiver = await H.setupBaseR(enc, device.decapsulationKey, info, { suite });
          check(context.suite === suite && receiver.suite === suite, `${name}: the contexts' suite`);
          for (let n = 0; n < 5; n++) {
            const pt = randomBytes(n * 7), aad = ascii(`message ${n}`);
            const r = await receiver.open(aad, await context.seal(aad, pt));
            check(r.ok === true && hex(r.pt) === hex(pt), `${name}: context message ${n}: ${show(r)}`);
          }
          check(hex(await context.export(ascii('x'), 48)) === hex(await receiver.export(ascii('x'), 48)), `${name}: sender and recipient export differently`);
        }
        check(encs.size === 24, `24 seals used ${encs.size} distinct enc`);
        // The default suite is unchanged: a 32-byte DHKEM enc, and an X-Wing message does not open as DHKEM.
        const dh = await H.generateKeyPair();
        const classic = await H.seal(dh.publicKeyBytes, ascii('i'), ascii('a'), ascii('p'));
        check(classic.enc.length === 32 && (await H.open(dh, classic.enc, ascii('i'), ascii('a'), classic.ct)).ok === true, 'the default suite');
        check(H.resolveSuite(undefined) === H.Suites.X25519Sha256Aes128Gcm && H.resolveSuite(H.Suite) === H.Suites.X25519Sha256Aes128Gcm, 'resolveSuite');
        check(hex(H.Suites.X25519Sha256Aes128Gcm.suiteId) === hex(H.HPKE_SUITE_ID), 'the default suite_id');
        """;

    /// <summary>Hostile X-Wing input: wrong sizes, tampering, a public key failing ML-KEM's modulus check, low-order X25519 values.</summary>
    private const string HostileChecks = """
        const { ml_kem768 } = await import('/vendor/noble/post-quantum/ml-kem.js');
        const { sha3_256, shake256 } = await import('/vendor/noble/hashes/sha3.js');
        const suite = H.Suites.XWingSha256Aes128Gcm;
        const device = await X.generate(), other = await X.generate();
        const info = ascii('conclave x-wing hostile'), aad = ascii('aad'), pt = randomBytes(40);
        const { enc, ct } = await H.seal(device.publicKey, info, aad, pt, { suite });
        const safely = async (what, f, ok) => {
          try {
            const r = await f();
            check(ok(r), `${what}: ${show(r)}`);
          } catch (e) {
            check(false, `${what} threw ${e?.stack ?? e}`);
          }
        };
        const open = (recipient, e, i, a, c, s = suite) => H.open(recipient, e, i, a, c, { suite: s });
        await safely('the untampered message', () => open(device.decapsulationKey, enc, info, aad, ct), r => r.ok === true && hex(r.pt) === hex(pt));
        for (const n of [0, 1, 31, 32, 33, 64, 1088, 1119, 1121, 1216, 2240]) {
          await safely(`enc of ${n} bytes`, () => open(device.decapsulationKey, randomBytes(n), info, aad, ct), r => failed(r, 'deserialize-error'));
          check(await rejectsWith(() => X.decapsulate(randomBytes(n), device.seed), 'deserialize-error') === true, `decapsulate of ${n} bytes`);
        }
        // ML-KEM rejects implicitly: a changed enc gives another secret, then the AEAD fails.
        for (const i of [0, 1, 500, 1087, 1088, 1100, 1119]) {
          for (const bit of [0x01, 0x80]) {
            const bad = enc.slice(); bad[i] ^= bit;
            await safely(`enc byte ${i} ^ ${bit}`, () => open(device.decapsulationKey, bad, info, aad, ct), r => failed(r, 'open-error'));
          }
        }
        for (let i = 0; i < 10; i++) {
          await safely(`random enc ${i}`, () => open(device.decapsulationKey, randomBytes(1120), info, aad, ct), r => failed(r, 'open-error'));
        }
        for (const i of [0, 20, ct.length - 1]) { const bad = ct.slice(); bad[i] ^= 1; await safely(`ct byte ${i}`, () => open(device.seed, enc, info, aad, bad), r => failed(r, 'open-error')); }
        await safely('another info', () => open(device.seed, enc, ascii('other'), aad, ct), r => failed(r, 'open-error'));
        await safely('another aad', () => open(device.seed, enc, info, ascii('other'), ct), r => failed(r, 'open-error'));
        await safely('another recipient', () => open(other.decapsulationKey, enc, info, aad, ct), r => failed(r, 'open-error'));
        await safely('another recipient seed', () => open(randomBytes(32), enc, info, aad, ct), r => failed(r, 'open-error'));
        await safely('another suite (SHAKE256)', () => open(device.seed, enc, info, aad, ct, H.cipherSuite(0x647a, 0x11, 1)), r => failed(r, 'open-error'));
        await safely('the DHKEM suite', () => open(device.seed, enc, info, aad, ct, H.Suites.X25519Sha256Aes128Gcm), r => failed(r, 'deserialize-error'));
        await safely('without a suite', () => H.open(device.decapsulationKey, enc, info, aad, ct), r => failed(r, 'deserialize-error'));
        await safely('an unknown suite', () => open(device.seed, enc, info, aad, ct, { kemId: 0x647a, kdfId: 2, aeadId: 1 }), r => failed(r, 'invalid-argument'));
        await safely('a suite that is a string', () => open(device.seed, enc, info, aad, ct, 'x-wing'), r => failed(r, 'invalid-argument'));
        check(await rejectsWith(() => H.seal(device.publicKey, info, aad, pt, { suite: { kemId: 0x30, kdfId: 1, aeadId: 1 } }), 'invalid-argument') === true, 'seal with an unknown KEM');
        check(await rejectsWith(() => H.cipherSuite(0x647a, 1, 2), 'invalid-argument') === true, 'cipherSuite with AES-256-GCM (not implemented)');

        // Recipient keys that are not X-Wing keys.
        const dh = await H.generateKeyPair();
        const wiped = await X.expandDecapsulationKey(device.seed); wiped.wipe();
        const cloned = structuredClone(device.decapsulationKey);
        check(!(cloned instanceof X.XWingDecapsulationKey) && wiped.wiped === true, 'a structured clone of an expanded key is not a key');
        for (const [what, recipient] of [['null', null], ['undefined', undefined], ['a string', 'seed'], ['31 bytes', randomBytes(31)], ['33 bytes', randomBytes(33)],
            ['a DHKEM key pair', dh], ['a DHKEM private key', dh.privateKey], ['the public key', device.publicKey], ['a clone of the expanded key', cloned],
            ['a wiped key', wiped], ['{ decapsulationKey: 7 }', { decapsulationKey: 7 }]]) {
          await safely(`recipient = ${what}`, () => open(recipient, enc, info, aad, ct), r => failed(r, 'invalid-argument'));
        }

        // Public keys: the sender side throws.
        for (const n of [0, 32, 1184, 1215, 1217]) {
          check(await rejectsWith(() => H.seal(randomBytes(n), info, aad, pt, { suite }), 'invalid-argument') === true, `seal to a ${n}-byte public key`);
        }
        check(await rejectsWith(() => H.seal(device.publicKey, info, aad, pt, { suite, ikmE: randomBytes(32) }), 'invalid-argument') === true, 'a 32-byte eseed');
        check(await rejectsWith(() => H.seal(dh.publicKey, info, aad, pt, { suite }), 'invalid-argument') === true, 'seal to a DHKEM CryptoKey');
        // FIPS 203 §7.2: a coefficient of pk_M ≥ q (3329) is refused (an EncapError, X-Wing §5.6).
        for (const at of [0, 600, 1150]) {
          const bad = device.publicKey.slice(); bad[at] = 0xFF; bad[at + 1] |= 0x0F;   // the 12-bit coefficient 0xFFF
          check(await rejectsWith(() => H.seal(bad, info, aad, pt, { suite }), 'encap-error') === true, `seal to pk_M with coefficient 4095 at byte ${at}`);
          check(await rejectsWith(() => X.encapsulate(bad), 'encap-error') === true, `encapsulate to pk_M with coefficient 4095 at byte ${at}`);
        }
        const seedCopy = device.seed.slice();
        check(await rejectsWith(() => X.generate(randomBytes(31)), 'invalid-argument') === true && hex(seedCopy) === hex(device.seed), 'generate with 31 bytes');

        // X-Wing has no all-zero check (§6): with a low-order X25519 value the secret uses ss_X = 32 zero bytes, as in
        // RFC 7748 and the .NET library; WebCrypto refuses such an output, and xwing.js takes the zeros.
        const label = unhex('5c2e2f2f5e5c'), zeros = new Uint8Array(32);
        const expect = (ssM, ctX, pkX) => hex(sha3_256(new Uint8Array([...ssM, ...zeros, ...ctX, ...pkX, ...label])));
        // The device's ML-KEM-768 secret key, expanded as X-Wing does (SHAKE256(seed, 96)[0:64] = d || z), for ss_M alone.
        const skM = ml_kem768.keygen(shake256(device.seed, { dkLen: 96 }).subarray(0, 64)).secretKey;
        const lowOrder = ['00'.repeat(32), '01' + '00'.repeat(31), 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'ec' + 'ff'.repeat(30) + '7f'];
        for (const p of lowOrder) {
          const bad = enc.slice(); bad.set(unhex(p), 1088);
          const ss = await X.decapsulate(bad, device.decapsulationKey);
          const ssM = ml_kem768.decapsulate(bad.subarray(0, 1088), skM);
          check(hex(ss) === expect(ssM, unhex(p), device.publicKey.subarray(1184)), `decapsulate with the low-order ct_X ${p}`);
          await safely(`open with the low-order ct_X ${p}`, () => open(device.decapsulationKey, bad, info, aad, ct), r => failed(r, 'open-error'));

          const pk = device.publicKey.slice(); pk.set(unhex(p), 1184);
          const eseed = randomBytes(64);
          const e = await X.encapsulate(pk, { eseed });
          const { sharedSecret: ssM2 } = ml_kem768.encapsulate(pk.subarray(0, 1184), eseed.subarray(0, 32));
          check(hex(e.sharedSecret) === expect(ssM2, e.ciphertext.subarray(1088), unhex(p)), `encapsulate to the low-order pk_X ${p}`);
        }
        const after = await open(device.seed, enc, info, aad, ct);
        check(after.ok === true && hex(after.pt) === hex(pt), `the message no longer opens after the attempts: ${show(after)}`);
        """;

    /// <summary>
    /// The vendored tree: MANIFEST.txt names the pinned packages and every file with its SHA-256; each is served with
    /// that hash, each module as JavaScript importing nothing but relative paths inside the tree, each package's licence
    /// (LICENSE.txt) as the MIT licence.
    /// </summary>
    private const string VendorChecks = """
        const manifest = await (await fetch('/vendor/noble/MANIFEST.txt')).text();
        for (const pin of ['@noble/post-quantum@0.7.1', '@noble/hashes@2.4.0', '@noble/curves@2.4.0', '@noble/ciphers@2.4.0']) {
          check(new RegExp(`^${pin.replace(/[.@/]/g, '\\$&')}  sha512-`, 'm').test(manifest), `MANIFEST.txt pins ${pin}`);
        }
        const files = [...manifest.matchAll(/^([\w\-/.]+)  ([0-9a-f]{64})$/gm)].map(m => ({ path: m[1], sha256: m[2] }));
        check(files.filter(f => f.path.endsWith('.js')).length === 13 && files.filter(f => f.path.endsWith('/LICENSE.txt')).length === 4, `MANIFEST.txt lists ${files.length} files`);
        for (const { path, sha256 } of files) {
          const response = await fetch('/vendor/noble/' + path);
          const body = new Uint8Array(await response.arrayBuffer());
          const digest = hex(await crypto.subtle.digest('SHA-256', body));
          check(response.ok && digest === sha256, `/vendor/noble/${path}: ${response.status}, sha256 ${digest}`);
          if (!path.endsWith('.js')) {
            check(/^The MIT License/.test(new TextDecoder().decode(body)), `/vendor/noble/${path} is not the MIT licence`);
            continue;
          }
          check(/javascript/.test(response.headers.get('content-type') ?? ''), `/vendor/noble/${path} served as ${response.headers.get('content-type')}`);
          const source = new TextDecoder().decode(body);
          const specifiers = [...source.matchAll(/^(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/gm)].map(m => m[1]);
          check(specifiers.every(s => s.startsWith('./') || s.startsWith('../')), `/vendor/noble/${path} imports ${specifiers.filter(s => !s.startsWith('.'))}`);
          check(!/sourceMappingURL/.test(source), `/vendor/noble/${path} refers to a source map`);
        }
        """;
}
